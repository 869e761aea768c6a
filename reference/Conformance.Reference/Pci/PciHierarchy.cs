using Conformance.Reference.Bus;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Pci;

/// <summary>All PCI segments of a machine: configuration access by <see cref="Bdf"/> and the functions.</summary>
public sealed class PciHierarchy
{
    private readonly Machine _machine;
    private readonly SortedDictionary<int, PciSegment> _segments = [];

    internal PciHierarchy(Machine machine) => _machine = machine;

    public IEnumerable<PciSegment> Segments => _segments.Values;

    /// <summary>The segment with this number (created empty on first use).</summary>
    public PciSegment Segment(int number)
    {
        if (!_segments.TryGetValue(number, out var s)) _segments[number] = s = new PciSegment(number);
        return s;
    }

    public IEnumerable<PciFunction> Functions => _segments.Values.SelectMany(s => s.Functions);

    /// <summary>Plugs a function into the machine.</summary>
    public T Add<T>(T function) where T : PciFunction
    {
        ArgumentNullException.ThrowIfNull(function);
        Segment(function.Bdf.Segment).Add(function);
        function.Machine = _machine;
        function.CapturePowerOnState();
        return function;
    }

    public PciFunction? Function(Bdf bdf) =>
        _segments.TryGetValue(bdf.Segment, out var s) ? s.Function(bdf.Bus, bdf.DevFn) : null;

    /// <summary>A configuration read (offset 0..4095, width 1/2/4); a missing function reads all-ones.</summary>
    public uint ConfigRead(Bdf bdf, int offset, int width)
    {
        var f = Function(bdf);
        return f is null ? (uint)MmioBus.AllOnes(width) : f.ConfigRead(offset, width);
    }

    public void ConfigWrite(Bdf bdf, int offset, int width, uint value) => Function(bdf)?.ConfigWrite(offset, width, value);
}

/// <summary>
/// A host bridge's MMIO window: CPU addresses [cpu base, cpu base + size) reach PCI bus addresses
/// [pci base, ...) on one segment. Nothing claims an address: the CPU reads all-ones (master abort).
/// </summary>
public sealed class PciHostWindow(PciSegment segment, ulong cpuBase, ulong pciBase, ulong size) : IMmioRegion
{
    public PciSegment Segment { get; } = segment;
    public ulong CpuBase { get; } = cpuBase;
    public ulong PciBase { get; } = pciBase;
    public ulong Size { get; } = size;

    public bool Contains(ulong cpuAddress, int width) => cpuAddress >= CpuBase && cpuAddress - CpuBase <= Size - (ulong)width;

    public ulong Read(ulong offset, int width)
    {
        Segment.ReadMemory(PciBase + offset, width, out ulong v);
        return v;
    }

    public void Write(ulong offset, int width, ulong value) => Segment.WriteMemory(PciBase + offset, width, value);
}
