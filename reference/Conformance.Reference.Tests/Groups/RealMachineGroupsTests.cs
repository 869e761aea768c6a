using Conformance.Reference.Groups;
using Conformance.Reference.Groups.Quirks;
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

    /// <summary>The comparison above is not vacuous: leaving out any one input the kernel uses breaks it.</summary>
    [Fact]
    public void The_real_machines_need_the_ACS_quirk_table_the_multifunction_rule_and_the_ACS_capabilities()
    {
        string json = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "reference", "Conformance.Reference", "Groups", "Quirks", "linux-6.12-quirks.json"));
        int start = json.IndexOf("\"acs\": [", StringComparison.Ordinal);
        int end = json.IndexOf("],", start, StringComparison.Ordinal);
        var withoutAcsQuirks = LinuxQuirks.Parse(json[..(start + 8)] + json[end..], "no-acs-quirks.json");
        Assert.Empty(withoutAcsQuirks.Acs);

        var needQuirks = new List<string>();
        var needMultifunction = new List<string>();
        var needAcs = new List<string>();
        foreach (var f in Directory.GetFiles(TestPaths.SharedTopologies, "*.txt").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(f);
            var (stripped, expected, untranslated) = ExpectedGroups.Split(File.ReadAllText(f));
            var groups = expected.Select(g => (IReadOnlyList<Pci.Bdf>)g).ToList();
            var topology = LspciReader.Parse(stripped, name);
            bool Differs(TopologySpec t, GroupOptions o) => ExpectedGroups.Diff(groups, untranslated, IsolationGroups.Compute(t, o)).Length > 0;

            if (Differs(topology, new GroupOptions { Quirks = withoutAcsQuirks })) needQuirks.Add(name);
            if (Differs(topology with { Devices = topology.Devices.Select(d => d with { Multifunction = false }).ToArray() }, GroupOptions.Default))
                needMultifunction.Add(name);
            if (Differs(topology with { Devices = topology.Devices.Select(d => d with { Acs = null }).ToArray() }, GroupOptions.Default))
                needAcs.Add(name);
        }
        // On three Intel laptops an Intel quirk decides: pci_quirk_rciep_acs isolates multifunction RCiEPs such as
        // the CNVi Wi-Fi at 00:14.3 from the other functions of its slot.
        Assert.Equal(["04_dell-xps13-9310_intel.txt", "07_asus-zenbook-s13-ux5304va.txt", "09_dell-latitude-7420.txt"], needQuirks);
        Assert.Equal(9, needMultifunction.Count);
        Assert.Equal(9, needAcs.Count);
    }
}
