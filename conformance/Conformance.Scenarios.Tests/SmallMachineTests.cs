using Conformance.Reference.Topology;
using CsCheck;

namespace Conformance.Scenarios.Tests;

public class SmallMachineTests
{
    private static readonly Gen<(int Seed, int[] Sizes)> Machines =
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 12].Array[1, 12]);

    [Fact]
    public void A_small_machine_has_one_assignable_group_of_each_requested_size_and_nothing_else()
    {
        Machines.Sample(t =>
        {
            var (seed, sizes) = t;
            var m = TopologyGenerator.SmallMachine(seed, sizes);
            Assert.Equal(sizes, m.AssignableGroups.Select(g => g.Count));
            // Host bridge + one root port per group + the functions asked for.
            Assert.Equal(1 + sizes.Length + sizes.Sum(), m.Topology.Devices.Count);
            var all = m.AllGroups.SelectMany(g => g).ToList();
            Assert.Equal(m.Topology.Devices.Select(d => d.Bdf).Order(), all.Order());
            var problems = TopologyChecks.Problems(m.Topology);
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }, iter: 100, print: t => $"SmallMachine({t.Seed}, {string.Join(", ", t.Sizes)})");
    }

    [Fact]
    public void A_group_larger_than_eight_sits_behind_a_pcie_to_pci_bridge_that_joins_it()
    {
        var m = TopologyGenerator.SmallMachine(3, 1, 12, 2);
        var big = m.AssignableGroups[1];
        var byBdf = m.Topology.Devices.ToDictionary(d => d.Bdf);
        Assert.Equal(DeviceKind.PcieToPciBridge, byBdf[big[0]].Kind);
        Assert.All(big.Skip(1), b => Assert.Equal(DeviceKind.PciDevice, byBdf[b].Kind));
        Assert.Equal(2, m.AssignableGroups[2].Count(b => byBdf[b].Multifunction == true));
    }

    [Fact]
    public void The_same_seed_gives_the_same_small_machine()
    {
        string a = TopologyJsonWriter.Write(TopologyGenerator.SmallMachine(42, 1, 2, 3, 9).Topology);
        string b = TopologyJsonWriter.Write(TopologyGenerator.SmallMachine(42, 1, 2, 3, 9).Topology);
        Assert.Equal(a, b);
    }
}
