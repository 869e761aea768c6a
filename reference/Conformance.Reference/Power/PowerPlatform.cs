using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Power;

/// <summary>
/// Builds a POWER machine: one PHB4 per <see cref="PhbConfig"/>, their M32/M64 CPU windows (and register blocks) on the
/// machine's MMIO bus, the <see cref="PhbBridge"/> as the machine's IO bridge, the OPAL PCI firmware, and — as
/// firmware and Linux do at boot — the PE assignment programmed through OPAL. DMA windows are left disabled (as after
/// VFIO takes ownership): until software maps a window, any DMA freezes its PE.
/// </summary>
public sealed class PowerPlatform
{
    private PowerPlatform(Machine machine, IReadOnlyList<Phb4> phbs, OpalPci opal, PhbBridge bridge, PeAssignment assignment, IPciMemoryDecoder decoder)
    {
        Machine = machine; Phbs = phbs; Opal = opal; Bridge = bridge; Assignment = assignment; Decoder = decoder;
    }

    public Machine Machine { get; }
    public IReadOnlyList<Phb4> Phbs { get; }
    public OpalPci Opal { get; }
    public PhbBridge Bridge { get; }
    /// <summary>The interrupt controller every PHB notifies.</summary>
    public Xive Xive => Phbs[0].Xive;
    public PeAssignment Assignment { get; }
    public IPciMemoryDecoder Decoder { get; }

    /// <summary>The PEs Linux assigned at boot, as isolation groups.</summary>
    public IReadOnlyList<IReadOnlyList<Bdf>> PeGroups => Assignment.PeGroups;

    /// <summary>
    /// Attaches the PHBs to <paramref name="machine"/>. <paramref name="decoder"/> decodes PCI memory addresses to BARs
    /// (default: the machine's PCI functions when it has them — <see cref="MachinePciDecoder"/> — else a
    /// <see cref="TopologyBarDecoder"/> over the topology's BARs, with bases assigned where missing);
    /// <paramref name="bootPes"/> false leaves the PHBs as skiboot's IODA reset leaves them (every RID in the reserved PE).
    /// </summary>
    public static PowerPlatform Attach(Machine machine, IReadOnlyList<PhbConfig> phbs, TopologySpec topology,
        IPciMemoryDecoder? decoder = null, bool bootPes = true)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(phbs);
        ArgumentNullException.ThrowIfNull(topology);
        if (phbs.Count == 0) throw new ArgumentException("a POWER machine needs at least one PHB", nameof(phbs));
        if (phbs.Select(p => p.PhbId).Distinct().Count() != phbs.Count) throw new ArgumentException("two PHBs share a phb_id", nameof(phbs));
        if (phbs.Select(p => p.Segment).Distinct().Count() != phbs.Count) throw new ArgumentException("two PHBs root the same PCI segment", nameof(phbs));
        for (int i = 0; i < phbs.Count; i++)
            for (int j = i + 1; j < phbs.Count; j++)
                if (phbs[i].EffectiveIrqBase < phbs[j].EffectiveIrqBase + (uint)phbs[j].NumIrqs && phbs[j].EffectiveIrqBase < phbs[i].EffectiveIrqBase + (uint)phbs[i].NumIrqs)
                    throw new ArgumentException($"{phbs[i].Id} and {phbs[j].Id} have overlapping interrupt numbers", nameof(phbs));

        // The machine's PCI functions decode the windows when it has them (built by PlatformBuilder); otherwise a
        // stand-in decoder over the topology's BARs does.
        PeAssignment assignment;
        bool machinePci = machine.Pci.Functions.Any(f => phbs.Any(p => p.Segment == f.Bdf.Segment));
        if (decoder is null && machinePci)
        {
            var pci = new MachinePciDecoder(machine);
            decoder = pci;
            assignment = PeAssignment.FromTopology(topology, phbs, pci.BarBase);
        }
        else
        {
            assignment = PeAssignment.FromTopology(topology, phbs);
            decoder ??= TopologyBarDecoder.FromTopology(topology, assignment.AssignedBarBases);
        }
        // One XIVE for the machine: the kit models a single interrupt controller that every PHB notifies.
        var xive = new Xive();
        var built = phbs.Select(c => new Phb4(c, machine.Memory, decoder, xive)).ToList();
        foreach (var p in built)
        {
            var c = p.Config;
            machine.Mmio.Map(c.M32.CpuBase, c.M32.Size, p.M32Region, $"{c.Id}.m32");
            if (c.M64 is { } m64) machine.Mmio.Map(m64.CpuBase, m64.Size, p.M64Region, $"{c.Id}.m64");
            if (c.MmioBase is { } regs) machine.AddUnit(c.Id, regs, 0x2000, p.Registers);
        }
        var opal = new OpalPci(built);
        machine.AddTickable(opal); // a machine tick is a millisecond of the firmware's slot-reset clock
        foreach (var p in built)
        {
            // Root and downstream ports have slots skiboot can reset (PCI_SLOT_ID).
            foreach (var port in topology.Devices.Where(d => d.Bdf.Segment == p.Config.Segment
                         && d.Kind is DeviceKind.RootPort or DeviceKind.DownstreamPort && d.Secondary is not null))
                opal.AddSlot(p.Config.PhbId, port.Bdf, port.Secondary!.Value, port.Subordinate ?? port.Secondary.Value);
        }
        var bridge = new PhbBridge(built);
        machine.Bridge = bridge;
        if (bootPes)
        {
            foreach (var p in built) assignment.Program(opal, p.Config);
        }
        return new PowerPlatform(machine, built, opal, bridge, assignment, decoder);
    }
}
