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

    public int Number { get; } = number;

    public IEnumerable<PciFunction> Functions => _functions.Values;

    public PciFunction? Function(byte bus, byte devfn) => _functions.GetValueOrDefault((ushort)((bus << 8) | devfn));

    internal void Add(PciFunction function)
    {
        if (function.Bdf.Segment != Number) throw new ArgumentException($"{function.Bdf} is not in segment {Number}");
        if (!_functions.TryAdd(function.Bdf.RequesterId, function)) throw new InvalidOperationException($"{function.Bdf} already exists");
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
        foreach (var f in _functions.Values)
        {
            if (f is PciBridge b && !ReferenceEquals(b, function) && b.Bdf.Bus < function.Bdf.Bus && b.RoutesBus(function.Bdf.Bus))
                yield return b;
        }
    }

    /// <summary>Decodes a memory request on this segment to the BAR that claims it.</summary>
    public bool TryDecodeMemory(ulong busAddress, int width, out PciMemoryTarget target)
    {
        foreach (var f in _functions.Values)
        {
            if (!f.TryDecode(busAddress, width, out int bar, out ulong offset)) continue;
            bool routed = true;
            foreach (var b in BridgesAbove(f))
            {
                if (!b.ForwardsMemory(busAddress, width)) { routed = false; break; }
            }
            if (!routed) continue;
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
