using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.PlatformTests;

public class RealMachineBuildTests
{
    public static TheoryData<string> Machines()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.SharedTopologies, "*.txt").OrderBy(f => f, StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Machines))]
    public void A_real_machine_builds_with_every_bar_decoded_by_its_own_function_and_no_two_bars_overlapping(string file)
    {
        var topology = LspciReader.ReadFile(Path.Combine(TestPaths.SharedTopologies, file));
        var aliases = DmaAliases.For(PciTree.Build(topology));
        var p = new PlatformBuilder(topology).WithMemory(0, 1UL << 30).WithWireRequester(aliases.WireRequester).Build();
        Assert.Equal(topology.Devices.Count, p.Functions.Count());
        var ranges = new List<(ulong Start, ulong End, string Who)>();
        foreach (var f in p.Functions)
        {
            Assert.Equal(f.Spec.Vendor, (ushort)p.Machine.ConfigRead(f.Bdf, 0, 2));
            foreach (var b in f.Bars.Where(b => !b.IsIo))
            {
                ulong start = f.BarBase(b.Index);
                Assert.Equal(0UL, start & (b.Size - 1));
                ranges.Add((start, start + b.Size - 1, $"{f.Bdf} BAR{b.Index}"));
                Assert.True(p.Machine.Pci.Segment(f.Bdf.Segment).TryDecodeMemory(start, 4, out var t), $"{f.Bdf} BAR{b.Index} at 0x{start:x} is not decoded");
                Assert.Equal((f.Bdf, b.Index), (t.Function.Bdf, t.Bar));
            }
        }
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        for (int i = 1; i < sorted.Count; i++) Assert.True(sorted[i].Start > sorted[i - 1].End, $"{sorted[i].Who} overlaps {sorted[i - 1].Who}");
    }
}
