using Conformance.Adapters.Platform;
using Conformance.Reference.Bus;
using Conformance.Reference.Pci;
using Conformance.Reference.Power;
using Conformance.Reference.Topology;

namespace Conformance.Suite.Machine;

/// <summary>
/// Platform <c>power-phb</c>: one PHB4 (phb_id 0, segment 0, 512 PEs) whose M32 window covers the scenario's BARs
/// (PCI 0x8000_0000-0xFFFF_FFFF, 4 MiB segments, CPU address = PCI address), attached with
/// <see cref="PowerPlatform.Attach"/>, which assigns and programs the PEs as Linux does at boot. The functions' BAR
/// decoders move behind the PHB, so every CPU access goes through the M32 segments (a stray access freezes its PE).
/// Groups are the PEs (id = PE number); the firmware is the OPAL PCI interface.
/// </summary>
public sealed class PowerPhbPlatform : IPlatformModel
{
    public static readonly PhbConfig Phb = new() { Id = "phb0", PhbId = 0, Segment = 0, M32 = new PhbWindow(0x8000_0000, 0x8000_0000, 0x8000_0000) };

    public string Platform => "power-phb";

    public ulong BarSegment => Phb.M32SegmentSize;

    public IReadOnlyList<UnitFacts> Install(Reference.Platform.Machine machine) => throw new InvalidOperationException("the POWER platform needs the topology");

    public PlatformInstall Install(Reference.Platform.Machine machine, TopologySpec topology)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var bars = machine.Mmio.Mappings.Where(m => TestFunction.Owner(m.Region) is not null).ToList();
        foreach (var m in bars) machine.Mmio.Unmap(m.Region);
        var power = PowerPlatform.Attach(machine, [Phb], topology, new BarForwarder(bars));
        var groups = power.Assignment.Pes.Select(p => (p.Number, (IReadOnlyList<Bdf>)p.Members.ToList())).ToList();
        return new PlatformInstall([new UnitFacts("phb0", "power-phb", Phb.M32.CpuBase, Phb.M32.Size)], groups, power.Opal);
    }

    /// <summary>The PCI side of the M32 window: the test functions' BAR decoders (PCI address = their base).</summary>
    private sealed class BarForwarder(IReadOnlyList<MmioBus.Mapping> bars) : IPciMemoryDecoder
    {
        private MmioBus.Mapping? Find(ulong a, int width) => bars.FirstOrDefault(m => m.Contains(a, width));

        public bool TryRead(int segment, ulong pciAddress, int width, out ulong value)
        {
            value = 0;
            if (segment != 0 || Find(pciAddress, width) is not { } m) return false;
            value = m.Region.Read(pciAddress - m.Base, width);
            return true;
        }

        public bool TryWrite(int segment, ulong pciAddress, int width, ulong value)
        {
            if (segment != 0 || Find(pciAddress, width) is not { } m) return false;
            m.Region.Write(pciAddress - m.Base, width, value);
            return true;
        }

        public void ResetBuses(int segment, int secondary, int subordinate)
        {
            foreach (var f in bars.Select(m => TestFunction.Owner(m.Region)!.Value.Function).Distinct())
                if (f.Bdf.Bus >= secondary && f.Bdf.Bus <= subordinate) f.Reset();
        }
    }
}
