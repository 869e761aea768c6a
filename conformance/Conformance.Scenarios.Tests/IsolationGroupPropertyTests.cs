using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;
using CsCheck;

namespace Conformance.Scenarios.Tests;

/// <summary>
/// Properties of Linux's isolation groups (IsolationGroups.Compute) over generated machines. A failure prints the
/// options (seed included) and the shrunk machine as a topology file that <c>conformance groups --topology</c> replays.
/// </summary>
public class IsolationGroupPropertyTests
{
    private static readonly Gen<TopologyOptions> Options = TopologyGeneratorTests.Options;

    private static string Describe(TopologyOptions o) => TopologyGeneratorTests.Describe(o);

    private static string Describe((TopologyOptions O, int Pick) t) => $"port pick {t.Pick}\n{Describe(t.O)}";

    [Fact]
    public void Every_translated_function_is_in_exactly_one_group()
    {
        Options.Sample(o =>
        {
            var t = TopologyGenerator.Generate(o);
            var result = IsolationGroups.Compute(t);
            var listed = result.Groups.SelectMany(g => g).Concat(result.Untranslated).ToList();
            Assert.Equal(listed.Count, listed.Distinct().Count());
            Assert.Equal(t.Devices.Select(d => d.Bdf).Order(), listed.Order());
            Assert.All(result.Groups, g => Assert.NotEmpty(g));
        }, iter: 100, print: Describe);
    }

    [Fact]
    public void A_function_and_each_of_its_existing_DMA_aliases_share_a_group()
    {
        int otherAliases = 0;
        Options.Sample(o =>
        {
            var t = TopologyGenerator.Generate(o);
            var result = IsolationGroups.Compute(t);
            var aliases = DmaAliases.For(PciTree.Build(t));
            var exists = t.Devices.Select(d => d.Bdf).ToHashSet();
            var untranslated = result.Untranslated.ToHashSet();
            foreach (var d in t.Devices.Where(d => !untranslated.Contains(d.Bdf)))
            {
                foreach (var alias in aliases.AliasesOf(d.Bdf).Where(a => exists.Contains(a) && !untranslated.Contains(a)))
                {
                    Assert.True(result.SameGroup(d.Bdf, alias), $"{d.Bdf} DMAs as {alias} but they are in different groups");
                    if (alias != d.Bdf) Interlocked.Increment(ref otherAliases);
                }
            }
        }, iter: 100, print: Describe);
        Assert.True(otherAliases > 0, "no generated function had an alias other than itself: the property was not exercised");
    }

    [Fact]
    public void Enabling_ACS_on_a_port_only_splits_groups()
    {
        Gen.Select(Options, Gen.Int[0, int.MaxValue]).Sample(t =>
        {
            var (o, pick) = t;
            var before = TopologyGenerator.Generate(o);
            var candidates = before.Devices.Select((d, i) => (d, i)).Where(x => x.d.Acs is { } a && AcsBits.EnableForIsolation(a) != a).ToList();
            if (candidates.Count == 0) return;
            int index = candidates[pick % candidates.Count].i;
            var devices = before.Devices.ToList();
            devices[index] = devices[index] with { Acs = AcsBits.EnableForIsolation(devices[index].Acs) };
            AssertRefines(IsolationGroups.Compute(before), IsolationGroups.Compute(new TopologySpec(devices)), $"enabling ACS on {devices[index].Bdf}");
        }, iter: 100, print: Describe);
    }

    [Fact]
    public void Enabling_ACS_everywhere_only_splits_groups()
    {
        int split = 0;
        Options.Sample(o =>
        {
            var before = TopologyGenerator.Generate(o);
            var after = new TopologySpec([.. before.Devices.Select(d => d with { Acs = AcsBits.EnableForIsolation(d.Acs) })]);
            var (b, a) = (IsolationGroups.Compute(before), IsolationGroups.Compute(after));
            AssertRefines(b, a, "enabling ACS on every function");
            if (a.Groups.Count > b.Groups.Count) Interlocked.Increment(ref split);
        }, iter: 100, print: Describe);
        Assert.True(split > 0, "enabling ACS never split a group: the property was not exercised");
    }

    /// <summary>Every group of <paramref name="after"/> lies inside one group of <paramref name="before"/>.</summary>
    private static void AssertRefines(GroupResult before, GroupResult after, string change)
    {
        Assert.Equal(before.Untranslated, after.Untranslated);
        foreach (var g in after.Groups)
        {
            before.TryGetGroupIndex(g[0], out int first);
            foreach (var b in g)
            {
                Assert.True(before.TryGetGroupIndex(b, out int gi) && gi == first,
                    $"{change} merged {g[0]} and {b}, which were in different groups before");
            }
        }
    }

    [Fact]
    public void The_groups_do_not_depend_on_the_order_of_the_device_list()
    {
        Gen.Select(Options, Gen.Int).Sample(t =>
        {
            var (o, shuffleSeed) = t;
            var topology = TopologyGenerator.Generate(o);
            var shuffled = new TopologySpec([.. new Bogus.Randomizer(shuffleSeed).Shuffle(topology.Devices)]);
            var a = IsolationGroups.Compute(topology);
            var b = IsolationGroups.Compute(shuffled);
            Assert.Equal(Render(a), Render(b));
        }, iter: 100, print: t => $"shuffle seed {t.Item2}\n{Describe(t.Item1)}");
    }

    private static string Render(GroupResult r) =>
        string.Join("\n", r.Groups.Select(g => string.Join(" ", g))) + "\nuntranslated: " + string.Join(" ", r.Untranslated);

    [Fact]
    public void A_saved_topology_file_replays_to_the_same_groups()
    {
        Options.Sample(o =>
        {
            var t = TopologyGenerator.Generate(o);
            var replayed = TopologyJsonReader.Parse(TopologyJsonWriter.Write(t), "replay.topology.json");
            Assert.Equal(Render(IsolationGroups.Compute(t)), Render(IsolationGroups.Compute(replayed)));
        }, iter: 50, print: Describe);
    }

    [Fact]
    public void Everything_behind_a_PCIe_to_PCI_bridge_is_in_one_group()
    {
        Options.Sample(o =>
        {
            var t = TopologyGenerator.Generate(o);
            var result = IsolationGroups.Compute(t);
            var untranslated = result.Untranslated.ToHashSet();
            var ports = t.Devices.Where(d => d.Kind is DeviceKind.RootPort or DeviceKind.DownstreamPort).ToList();
            // PCIe-to-PCI(-X) bridges, and conventional bridges sitting straight on a PCIe link (ASM1083-like).
            var bridges = t.Devices.Where(d => d.Kind == DeviceKind.PcieToPciBridge
                || (d.Kind == DeviceKind.PciBridge && ports.Any(p => p.Bdf.Segment == d.Bdf.Segment && p.Secondary == d.Bdf.Bus)));
            foreach (var bridge in bridges)
            {
                var below = t.Devices.Where(d => d.Bdf.Segment == bridge.Bdf.Segment && d.Bdf.Bus >= bridge.Secondary && d.Bdf.Bus <= bridge.Subordinate
                    && !untranslated.Contains(d.Bdf)).Select(d => d.Bdf).ToList();
                foreach (var b in below)
                    Assert.True(result.SameGroup(below[0], b), $"{below[0]} and {b} are both behind {bridge.Bdf} but in different groups");
            }
        }, iter: 100, print: Describe);
    }

    [Fact]
    public void A_small_machine_has_exactly_the_groups_it_was_built_for()
    {
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 40].Array[1, 10]).Sample(t =>
        {
            var m = TopologyGenerator.SmallMachine(t.Item1, t.Item2);
            var result = IsolationGroups.Compute(m.Topology);
            Assert.DoesNotContain(result.Untranslated, b => m.AssignableGroups.Any(g => g.Contains(b)));
            Assert.Equal(Render(m.AllGroups.Where(g => !result.Untranslated.Contains(g[0])).ToList()), Render(result.Groups));
        }, iter: 100, print: t => $"SmallMachine({t.Item1}, {string.Join(", ", t.Item2)})\n{TopologyJsonWriter.Write(TopologyGenerator.SmallMachine(t.Item1, t.Item2).Topology)}");
    }

    private static string Render(IReadOnlyList<IReadOnlyList<Bdf>> groups) => string.Join("\n", groups.Select(g => string.Join(" ", g)));
}
