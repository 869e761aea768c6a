using Conformance.Reference.Bus;

namespace Conformance.Reference.Pci;

/// <summary>Where a bus memory address landed: a function, one of its BARs, and the offset inside that BAR.</summary>
public readonly record struct PciMemoryTarget(PciFunction Function, int Bar, ulong Offset);

/// <summary>
/// One PCI segment (domain): its functions addressed by bus/device/function through ECAM-like configuration
/// accesses (PCIe Base 6.x §7.2.2), and its memory address space. A memory request is claimed by a function's BAR
/// from the BAR's live value, only while the function's Memory Space Enable is set and every bridge above it
/// forwards the address (memory enable set, address inside its memory or prefetchable window). A request nothing
/// claims master-aborts: reads return all-ones, writes are dropped (PCI Local Bus 3.0 §3.3.3.1).
/// </summary>
/// <remarks>
/// Configuration requests reach functions by their topology address; re-numbering a bridge's buses changes memory
/// routing (bus ranges are read live) but does not move the functions behind it to other bus numbers.
/// </remarks>
public sealed class PciSegment(int number)
{
    private readonly SortedDictionary<ushort, PciFunction> _functions = [];
    private PciFunction[] _ordered = [];
    private PciBridge[] _bridges = [];

    public int Number { get; } = number;

    /// <summary>The functions in bus/device/function order.</summary>
    public IEnumerable<PciFunction> Functions => _ordered;

    /// <summary>The functions in bus/device/function order, indexable.</summary>
    public IReadOnlyList<PciFunction> FunctionList => _ordered;

    /// <summary>The type 1 functions in bus/device/function order.</summary>
    public IReadOnlyList<PciBridge> Bridges => _bridges;

    public PciFunction? Function(byte bus, byte devfn) => _functions.GetValueOrDefault((ushort)((bus << 8) | devfn));

    internal void Add(PciFunction function)
    {
        if (function.Bdf.Segment != Number) throw new ArgumentException($"{function.Bdf} is not in segment {Number}");
        if (!_functions.TryAdd(function.Bdf.RequesterId, function)) throw new InvalidOperationException($"{function.Bdf} already exists");
        _ordered = [.. _functions.Values];
        _bridges = [.. _ordered.OfType<PciBridge>()];
    }

    /// <summary>A configuration read; a function that does not exist answers all-ones (vendor ID 0xffff).</summary>
    public uint ConfigRead(byte bus, byte devfn, int offset, int width)
    {
        var f = Function(bus, devfn);
        return f is null ? (uint)MmioBus.AllOnes(width) : f.ConfigRead(offset, width);
    }

    /// <summary>A configuration write; to a function that does not exist it is dropped.</summary>
    public void ConfigWrite(byte bus, byte devfn, int offset, int width, uint value) =>
        Function(bus, devfn)?.ConfigWrite(offset, width, value);

    /// <summary>The bridges above <paramref name="function"/> (every bridge whose live bus range holds its bus).</summary>
    public IEnumerable<PciBridge> BridgesAbove(PciFunction function)
    {
        foreach (var b in _bridges)
        {
            if (!ReferenceEquals(b, function) && b.Bdf.Bus < function.Bdf.Bus && b.RoutesBus(function.Bdf.Bus))
                yield return b;
        }
    }

    /// <summary>Whether every bridge above <paramref name="function"/> forwards a memory request for the address downstream.</summary>
    public bool PathForwards(PciFunction function, ulong address, int width)
    {
        byte bus = function.Bdf.Bus;
        foreach (var b in _bridges)
        {
            if (b.Bdf.Bus < bus && !ReferenceEquals(b, function) && b.RoutesBus(bus) && !b.ForwardsMemory(address, width)) return false;
        }
        return true;
    }

    /// <summary>Whether every bridge above <paramref name="function"/> has Bus Master Enable set (forwards its requests upstream).</summary>
    public PciBridge? FirstBridgeAboveWithoutBusMaster(PciFunction function)
    {
        byte bus = function.Bdf.Bus;
        foreach (var b in _bridges)
        {
            if (b.Bdf.Bus < bus && !ReferenceEquals(b, function) && b.RoutesBus(bus) && !b.BusMasterEnabled) return b;
        }
        return null;
    }

    /// <summary>Decodes a memory request on this segment to the BAR that claims it.</summary>
    public bool TryDecodeMemory(ulong busAddress, int width, out PciMemoryTarget target)
    {
        foreach (var f in _ordered)
        {
            if (!f.TryDecode(busAddress, width, out int bar, out ulong offset)) continue;
            if (!PathForwards(f, busAddress, width)) continue;
            target = new PciMemoryTarget(f, bar, offset);
            return true;
        }
        target = default;
        return false;
    }

    /// <summary>A memory read on the segment; false (and all-ones) when no BAR claims it.</summary>
    public bool ReadMemory(ulong busAddress, int width, out ulong value)
    {
        if (TryDecodeMemory(busAddress, width, out var t))
        {
            value = t.Function.ReadMemory(t.Bar, t.Offset, width) & MmioBus.AllOnes(width);
            return true;
        }
        value = MmioBus.AllOnes(width);
        return false;
    }

    /// <summary>A memory write on the segment; false (dropped) when no BAR claims it.</summary>
    public bool WriteMemory(ulong busAddress, int width, ulong value)
    {
        if (!TryDecodeMemory(busAddress, width, out var t)) return false;
        t.Function.WriteMemory(t.Bar, t.Offset, width, value & MmioBus.AllOnes(width));
        return true;
    }
}
