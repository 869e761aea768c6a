using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Groups;

/// <summary>Hand-built topologies (Groups/cases/*.topology.json), each with the partition Linux 6.12 gives it
/// (*.groups.json, in the <c>conformance groups --json</c> format). The expected groups were worked out by hand from
/// the kernel functions named in each file's comment.</summary>
public sealed class EdgeCaseGroupsTests
{
    private static string CasesDir => Path.Combine(TestPaths.RepoRoot, "reference", "Conformance.Reference.Tests", "Groups", "cases");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(CasesDir, "*.topology.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f)[..^".topology.json".Length]);
        return data;
    }

    [Fact]
    public void There_are_at_least_ten_edge_cases_each_with_an_expected_partition()
    {
        Assert.True(Cases().Count >= 10);
        foreach (var name in Cases()) Assert.True(File.Exists(Path.Combine(CasesDir, name + ".groups.json")), name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Edge_case_topology_gets_the_partition_Linux_gives_it(string name)
    {
        var topology = TopologyJsonReader.ReadFile(Path.Combine(CasesDir, name + ".topology.json"));
        var (groups, untranslated) = ReadExpected(Path.Combine(CasesDir, name + ".groups.json"));

        var result = IsolationGroups.Compute(topology);

        string diff = ExpectedGroups.Diff(groups, untranslated, result);
        Assert.True(diff.Length == 0, $"{name}:\n{diff}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_function_is_in_exactly_one_group_or_untranslated(string name)
    {
        var topology = TopologyJsonReader.ReadFile(Path.Combine(CasesDir, name + ".topology.json"));
        var result = IsolationGroups.Compute(topology);
        var all = result.Groups.SelectMany(g => g).Concat(result.Untranslated).ToList();
        Assert.Equal(topology.Devices.Select(d => d.Bdf).Order(), all.Order());
        Assert.Equal(all.Count, all.Distinct().Count());
        foreach (var d in topology.Devices.Where(d => result.GroupOf(d.Bdf) is not null))
            Assert.Contains(d.Bdf, result.GroupOf(d.Bdf)!);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Edge_case_groups_do_not_depend_on_the_order_of_the_device_list(string name)
    {
        var topology = TopologyJsonReader.ReadFile(Path.Combine(CasesDir, name + ".topology.json"));
        var rng = new Random(name.Length * 7919);
        for (int round = 0; round < 5; round++)
        {
            var shuffled = topology with { Devices = topology.Devices.OrderBy(_ => rng.Next()).ToArray() };
            Assert.Equal(Show(IsolationGroups.Compute(topology)), Show(IsolationGroups.Compute(shuffled)));
        }
        static string Show(GroupResult r) => string.Join(" ", r.Groups.Select(g => "{" + string.Join(",", g) + "}")) + " / " + string.Join(",", r.Untranslated);
    }

    [Fact]
    public void Without_the_RCBA_workaround_Intel_PCH_root_ports_merge_with_their_slot()
    {
        var topology = TopologyJsonReader.ReadFile(Path.Combine(CasesDir, "07-quirked-root-ports.topology.json"));
        var off = IsolationGroups.Compute(topology, new GroupOptions { IntelPchAcsWorkaroundEnabled = false });
        Assert.True(off.SameGroup(Bdf.Parse("00:1c.0"), Bdf.Parse("00:1c.2")));
        Assert.True(off.SameGroup(Bdf.Parse("00:1c.0"), Bdf.Parse("02:00.0")));
    }

    internal static (List<IReadOnlyList<Bdf>> Groups, List<Bdf> Untranslated) ReadExpected(string path)
    {
        var root = JsonValue.ParseFile(path);
        var groups = root.Require("groups").Items
            .Select(g => (IReadOnlyList<Bdf>)g.Items.Select(b => Bdf.Parse(b.AsString())).Order().ToList())
            .OrderBy(g => g[0]).ToList();
        var untranslated = root.Get("untranslated")?.Items.Select(b => Bdf.Parse(b.AsString())).Order().ToList() ?? [];
        return (groups, untranslated);
    }
}
