using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;
using CsCheck;

namespace Conformance.Reference.Tests.PlatformTests;

/// <summary>Random PCIe trees (root ports, switches, multifunction endpoints with random BARs) for the builder.</summary>
internal static class RandomTopology
{
    private static readonly Gen<BarSpec[]> Bars =
        Gen.Select(Gen.Int[0, 2], Gen.Int[4, 22], Gen.Int[12, 30], Gen.Int[2, 8], Gen.Bool).Array[0, 3].Select(choices =>
        {
            var bars = new List<BarSpec>();
            int index = 0;
            foreach (var (kind, log32, log64, logIo, prefetch) in choices)
            {
                if (index > 5) break;
                if (kind == 1 && index <= 4)
                {
                    bars.Add(new BarSpec(index, 1UL << log64, BarKind.Mem64, prefetch));
                    index += 2;
                }
                else if (kind == 2)
                {
                    bars.Add(new BarSpec(index++, 1UL << logIo, BarKind.Io));
                }
                else
                {
                    bars.Add(new BarSpec(index++, 1UL << log32, BarKind.Mem32, prefetch));
                }
            }
            return bars.ToArray();
        });

    /// <summary>Shape: per root port, 0 = one endpoint (1-2 functions), n &gt; 0 = a switch with n downstream ports.</summary>
    public static readonly Gen<TopologySpec> Topologies =
        Gen.Select(Gen.Int[0, 3].Array[1, 4], Bars.Array[12], Gen.Int[1, 2].Array[12], Gen.Bool)
            .Select((shape, bars, functions, acs) => Build(shape, bars, functions, acs));

    private static TopologySpec Build(int[] shape, BarSpec[][] bars, int[] functions, bool acs)
    {
        var devices = new List<DeviceSpec>();
        int nextBus = 1, nextBars = 0;
        void Endpoints(byte bus)
        {
            int k = nextBars++ % 12;
            for (int f = 0; f < functions[k]; f++)
                devices.Add(new DeviceSpec { Bdf = new Bdf(0, bus, 0, (byte)f), Kind = DeviceKind.Endpoint, Vendor = 0x1b36, Bars = bars[(k + f) % 12] });
        }
        for (int r = 0; r < shape.Length; r++)
        {
            byte secondary = (byte)nextBus++;
            var rootPort = new DeviceSpec { Bdf = new Bdf(0, 0, (byte)(1 + r), 0), Kind = DeviceKind.RootPort, Vendor = 0x8086, Secondary = secondary, Acs = acs ? new AcsSpec(0x1f, 0x1d) : null };
            if (shape[r] == 0)
            {
                Endpoints(secondary);
                devices.Add(rootPort with { Subordinate = secondary });
                continue;
            }
            byte inner = (byte)nextBus++;
            devices.Add(new DeviceSpec { Bdf = new Bdf(0, secondary, 0, 0), Kind = DeviceKind.UpstreamPort, Vendor = 0x10b5, Secondary = inner, Subordinate = (byte)(inner + shape[r]) });
            for (int d = 0; d < shape[r]; d++)
            {
                byte below = (byte)nextBus++;
                devices.Add(new DeviceSpec { Bdf = new Bdf(0, inner, (byte)d, 0), Kind = DeviceKind.DownstreamPort, Vendor = 0x10b5, Secondary = below, Subordinate = below });
                Endpoints(below);
            }
            devices.Add(rootPort with { Subordinate = (byte)(nextBus - 1) });
        }
        return new TopologySpec(devices);
    }
}

public class RandomTopologyTests
{
    [Fact]
    public void Any_tree_gets_aligned_disjoint_bars_inside_nested_disjoint_bridge_windows_each_decoded_by_its_own_function()
    {
        RandomTopology.Topologies.Sample(topology =>
        {
            var p = new PlatformBuilder(topology).WithMemory(0, 1UL << 30).Build();
            var seg = p.Machine.Pci.Segment(0);
            var ranges = new List<(ulong Start, ulong End, PciFunction F)>();
            foreach (var f in p.Functions)
            {
                foreach (var b in f.Bars.Where(b => !b.IsIo))
                {
                    ulong start = f.BarBase(b.Index);
                    Assert.Equal(0UL, start & (b.Size - 1));
                    ranges.Add((start, start + b.Size - 1, f));
                    Assert.True(seg.TryDecodeMemory(start + b.Size - 4, 4, out var t) && t.Function == f && t.Bar == b.Index, $"{f.Bdf} BAR{b.Index}");
                    // Every bridge above forwards it.
                    Assert.All(seg.BridgesAbove(f), br => Assert.True(br.ForwardsMemory(start, 4)));
                }
            }
            var sorted = ranges.OrderBy(r => r.Start).ToList();
            for (int i = 1; i < sorted.Count; i++) Assert.True(sorted[i].Start > sorted[i - 1].End);
            // Sibling bridges' windows are disjoint.
            var bridges = p.Functions.OfType<PciBridge>().ToList();
            foreach (var a in bridges)
            {
                foreach (var b in bridges.Where(b => b != a && b.Bdf.Bus == a.Bdf.Bus))
                {
                    foreach (var (wa, wb) in new[] { (a.MemoryWindow, b.MemoryWindow), (a.PrefetchableWindow, b.PrefetchableWindow) })
                        Assert.True(!wa.IsOpen || !wb.IsOpen || wa.Limit < wb.Base || wb.Limit < wa.Base, $"{a.Bdf} {wa} overlaps {b.Bdf} {wb}");
                }
            }
        }, iter: 150, seed: "0N0XIzNsQ0O2");
    }
}
