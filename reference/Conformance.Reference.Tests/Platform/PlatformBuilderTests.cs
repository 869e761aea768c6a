using Conformance.Reference.Devices;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.PlatformTests;

public class PlatformBuilderTests
{
    internal const string SwitchTopology = """
    { "devices": [
      { "bdf": "0000:00:00.0", "kind": "host-bridge", "vendor": "0x8086", "device": "0x1237" },
      { "bdf": "0000:00:1c.0", "kind": "root-port", "vendor": "0x8086", "device": "0x7ab8", "secondary": 1, "subordinate": 4,
        "acs": { "cap": "0x5f", "ctl": "0x1d" } },
      { "bdf": "0000:01:00.0", "kind": "upstream-port", "secondary": 2, "subordinate": 4 },
      { "bdf": "0000:02:01.0", "kind": "downstream-port", "secondary": 3, "subordinate": 3, "acs": { "cap": "0x1f", "ctl": "0x1f" } },
      { "bdf": "0000:02:02.0", "kind": "downstream-port", "secondary": 4, "subordinate": 4 },
      { "bdf": "0000:03:00.0", "kind": "endpoint", "vendor": "0x10de", "device": "0x2204",
        "bars": [ { "index": 0, "size": "16MiB", "kind": "mem32" },
                  { "index": 1, "size": "256MiB", "kind": "mem64", "prefetch": true },
                  { "index": 3, "size": "32MiB", "kind": "mem64" },
                  { "index": 5, "size": "128", "kind": "io" } ],
        "msix": { "vectors": 16, "table": { "bar": 0, "offset": "0xb0000" }, "pba": { "bar": 0, "offset": "0xb8000" } } },
      { "bdf": "0000:03:00.1", "kind": "endpoint", "dma_mask_bits": 32 },
      { "bdf": "0000:04:00.0", "kind": "endpoint", "ari": true,
        "bars": [ { "index": 0, "size": "64KiB", "kind": "mem64", "prefetch": true, "base": "0x4000100000" },
                  { "index": 2, "size": "4KiB" } ] },
      { "bdf": "0000:00:02.0", "kind": "rc-endpoint" }
    ] }
    """;

    internal static SimulatedPlatform BuildSwitch() =>
        new PlatformBuilder(TopologyJsonReader.Parse(SwitchTopology)).WithMemory(0, 1UL << 30).Build();

    [Fact]
    public void Omitted_bases_are_assigned_aligned_without_overlap_and_reachable_by_the_cpu()
    {
        var p = BuildSwitch();
        var ranges = new List<(ulong Start, ulong End, string Who)>();
        foreach (var f in p.Functions)
        {
            foreach (var b in f.Bars.Where(b => !b.IsIo))
            {
                ulong start = f.BarBase(b.Index);
                Assert.Equal(0UL, start & (b.Size - 1));
                Assert.NotEqual(0UL, start);
                ranges.Add((start, start + b.Size - 1, $"{f.Bdf} BAR{b.Index}"));
                if (b.Is64 && b.Prefetchable) Assert.True(start >= 1UL << 32 || f.Spec.Bars.Any(s => s.Base is not null), $"{f.Bdf} BAR{b.Index}");
                else Assert.True(start + b.Size <= PlatformBuilder.DefaultMem32Limit + 1, $"{f.Bdf} BAR{b.Index} at 0x{start:x}");
                // The first dword of every BAR is claimed by that function through every bridge above it.
                Assert.True(p.Machine.Pci.Segment(0).TryDecodeMemory(start, 4, out var t), $"{f.Bdf} BAR{b.Index} at 0x{start:x} is not decoded");
                Assert.Same(f, t.Function);
                Assert.Equal(b.Index, t.Bar);
            }
        }
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        for (int i = 1; i < sorted.Count; i++) Assert.True(sorted[i].Start > sorted[i - 1].End, $"{sorted[i].Who} overlaps {sorted[i - 1].Who}");
        Assert.Equal(0x4000100000UL, p.Function("0000:04:00.0").BarBase(0));
        // Sibling downstream ports' windows do not overlap.
        var w1 = p.Bridge(Bdf.Parse("0000:02:01.0")).MemoryWindow;
        var w2 = p.Bridge(Bdf.Parse("0000:02:02.0")).MemoryWindow;
        Assert.True(w1.IsOpen && w2.IsOpen);
        Assert.True(w1.Limit < w2.Base || w2.Limit < w1.Base, $"{w1} overlaps {w2}");
    }

    [Fact]
    public void The_cpu_reads_the_test_device_identification_through_the_host_window()
    {
        var p = BuildSwitch();
        var dev = p.Device("0000:03:00.1");
        ulong bar0 = dev.BarBase(0);
        Assert.Equal(DmaTestDevice.Identification, p.Machine.CpuRead(bar0 + DmaTestDevice.RegId, 4));
        Assert.Equal(32UL, p.Machine.CpuRead(bar0 + DmaTestDevice.RegInfo, 4) & 0xff);
        ulong bar2 = dev.BarBase(2);
        Assert.Equal(DmaTestDevice.Identification, p.Machine.CpuRead(bar2, 4)); // sub-page register mirror
    }
}
