using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Power;

/// <summary>
/// The PCI side of a PHB's MMIO windows: decodes a PCI bus memory address to a function's BAR and accesses it.
/// A false return means no BAR claimed the address (the completer answers Unsupported Request).
/// </summary>
public interface IPciMemoryDecoder
{
    bool TryRead(int segment, ulong pciAddress, int width, out ulong value);

    bool TryWrite(int segment, ulong pciAddress, int width, ulong value);

    /// <summary>A hot or fundamental reset of everything on buses <paramref name="secondary"/>..<paramref name="subordinate"/>.</summary>
    void ResetBuses(int segment, int secondary, int subordinate);
}

/// <summary>
/// A stand-in BAR decoder built from a topology's BARs (their <c>base</c> is the PCI bus address): every BAR is a
/// plain register file backed by sparse bytes, little-endian as PCI is. Reset clears the registers of the functions
/// on the reset buses. Until the kit's PCI configuration-space decoder is merged, POWER uses this one.
/// </summary>
public sealed class TopologyBarDecoder : IPciMemoryDecoder
{
    public sealed record BarRange(Bdf Function, int Index, ulong Base, ulong Size);

    private readonly List<BarRange> _bars = [];
    private readonly Dictionary<(int Segment, ulong Address), byte> _bytes = [];

    public IReadOnlyList<BarRange> Bars => _bars;

    public void Add(Bdf function, int index, ulong pciBase, ulong size)
    {
        if (size == 0) throw new ArgumentException("a BAR needs a size", nameof(size));
        _bars.Add(new BarRange(function, index, pciBase, size));
    }

    /// <summary>Every memory BAR of <paramref name="topology"/> that has a base (IO BARs are not decoded: PHB4 has no IO space).</summary>
    public static TopologyBarDecoder FromTopology(TopologySpec topology, IReadOnlyDictionary<(Bdf, int), ulong>? assignedBases = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var d = new TopologyBarDecoder();
        foreach (var dev in topology.Devices)
        {
            foreach (var bar in dev.Bars)
            {
                if (bar.Kind == BarKind.Io) continue;
                ulong? b = bar.Base;
                if (b is null && assignedBases is not null && assignedBases.TryGetValue((dev.Bdf, bar.Index), out ulong a)) b = a;
                if (b is { } baseAddress) d.Add(dev.Bdf, bar.Index, baseAddress, bar.Size);
            }
        }
        return d;
    }

    public BarRange? Find(int segment, ulong pciAddress, int width)
    {
        foreach (var b in _bars)
        {
            if (b.Function.Segment == segment && pciAddress >= b.Base && pciAddress - b.Base <= b.Size - (ulong)width) return b;
        }
        return null;
    }

    public bool TryRead(int segment, ulong pciAddress, int width, out ulong value)
    {
        value = 0;
        if (Find(segment, pciAddress, width) is null) return false;
        for (int i = width - 1; i >= 0; i--)
        {
            _bytes.TryGetValue((segment, pciAddress + (ulong)i), out byte v);
            value = (value << 8) | v;
        }
        return true;
    }

    public bool TryWrite(int segment, ulong pciAddress, int width, ulong value)
    {
        if (Find(segment, pciAddress, width) is null) return false;
        for (int i = 0; i < width; i++) _bytes[(segment, pciAddress + (ulong)i)] = (byte)(value >> (8 * i));
        return true;
    }

    public void ResetBuses(int segment, int secondary, int subordinate)
    {
        foreach (var b in _bars.Where(b => b.Function.Segment == segment && b.Function.Bus >= secondary && b.Function.Bus <= subordinate))
        {
            foreach (var key in _bytes.Keys.Where(k => k.Segment == segment && k.Address >= b.Base && k.Address - b.Base < b.Size).ToList())
                _bytes.Remove(key);
        }
    }
}

/// <summary>
/// The machine's own PCI hierarchy as a PHB sees it: a memory request on a segment goes to the BAR that claims it
/// (configuration space decides: BAR bases, Memory Space Enable, bridge windows). A slot reset resets every function
/// on the reset buses (PCIe Base §6.6: configuration space back to power-on, so BARs no longer decode until the OS
/// restores them, as Linux's EEH recovery does with <c>eeh_pe_restore_bars</c>).
/// </summary>
public sealed class MachinePciDecoder(Platform.Machine machine) : IPciMemoryDecoder
{
    public bool TryRead(int segment, ulong pciAddress, int width, out ulong value) =>
        machine.Pci.Segment(segment).ReadMemory(pciAddress, width, out value);

    public bool TryWrite(int segment, ulong pciAddress, int width, ulong value) =>
        machine.Pci.Segment(segment).WriteMemory(pciAddress, width, value);

    public void ResetBuses(int segment, int secondary, int subordinate)
    {
        foreach (var f in machine.Pci.Segment(segment).Functions.Where(f => f.Bdf.Bus >= secondary && f.Bdf.Bus <= subordinate).ToList())
            f.Reset();
    }

    /// <summary>A BAR's live base from configuration space, or null when the function or BAR does not exist.</summary>
    public ulong? BarBase(Bdf function, int bar) =>
        machine.Pci.Function(function) is { } f && f.Bar(bar) is { } b ? b.LiveBase(f.Config) : null;
}
