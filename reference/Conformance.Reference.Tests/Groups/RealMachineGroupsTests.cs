using Conformance.Reference.Groups;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Groups;

/// <summary>Real machines (shared/fixtures/topologies, linuxhw/LsPCI probes): the groups Linux gave them are the answer.</summary>
public sealed class RealMachineGroupsTests
{
    public static TheoryData<string> Machines()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.SharedTopologies, "*.txt").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void All_nine_shared_machines_are_found()
    {
        Assert.Equal(9, Machines().Count);
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Groups_computed_from_lspci_without_group_lines_match_the_groups_Linux_gave_the_machine(string machine)
    {
        string path = Path.Combine(TestPaths.SharedTopologies, machine);
        var (stripped, expected, expectedUntranslated) = ExpectedGroups.Split(File.ReadAllText(path));
        Assert.DoesNotContain("IOMMU group", stripped, StringComparison.Ordinal);
        Assert.NotEmpty(expected);

        var result = IsolationGroups.Compute(LspciReader.Parse(stripped, machine));

        string diff = ExpectedGroups.Diff(expected.Select(g => (IReadOnlyList<Pci.Bdf>)g).ToList(), expectedUntranslated, result);
        Assert.True(diff.Length == 0, $"{machine}: computed groups differ from Linux's:\n{diff}");
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void Groups_do_not_depend_on_the_order_of_the_device_list(string machine)
    {
        string path = Path.Combine(TestPaths.SharedTopologies, machine);
        var (stripped, _, _) = ExpectedGroups.Split(File.ReadAllText(path));
        var topology = LspciReader.Parse(stripped, machine);
        var shuffled = topology with { Devices = topology.Devices.Reverse().ToArray() };

        var a = IsolationGroups.Compute(topology);
        var b = IsolationGroups.Compute(shuffled);

        Assert.Equal(a.Groups.Select(g => string.Join(",", g)), b.Groups.Select(g => string.Join(",", g)));
        Assert.Equal(a.Untranslated, b.Untranslated);
    }
}
