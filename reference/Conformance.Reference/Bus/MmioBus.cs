namespace Conformance.Reference.Bus;

/// <summary>A register block or BAR decoder placed on the MMIO bus. Offsets are relative to the block's base.</summary>
public interface IMmioRegion
{
    /// <summary>Reads 1, 2, 4 or 8 bytes. A register that does not exist reads as the hardware defines (usually 0).</summary>
    ulong Read(ulong offset, int width);

    void Write(ulong offset, int width, ulong value);
}

/// <summary>
/// The CPU's MMIO address space: register blocks of hardware units (DMAR units, PHBs) and device BARs are placed
/// here. A CPU access that decodes to no block master-aborts: reads return all-ones, writes are dropped
/// (PCI Local Bus §3.3.3.1 / PCIe Unsupported Request completion as seen by the CPU).
/// </summary>
public sealed class MmioBus
{
    private readonly List<Mapping> _mappings = [];

    public sealed record Mapping(ulong Base, ulong Size, IMmioRegion Region, string Name)
    {
        public bool Contains(ulong address, int width) =>
            address >= Base && address - Base <= Size - (ulong)width;
    }

    public IReadOnlyList<Mapping> Mappings => _mappings;

    public void Map(ulong baseAddress, ulong size, IMmioRegion region, string name)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (size == 0) throw new ArgumentException("an MMIO region needs a size", nameof(size));
        foreach (var m in _mappings)
        {
            if (baseAddress < m.Base + m.Size && m.Base < baseAddress + size)
                throw new InvalidOperationException($"MMIO region {name} at 0x{baseAddress:x} overlaps {m.Name} at 0x{m.Base:x}");
        }
        _mappings.Add(new Mapping(baseAddress, size, region, name));
    }

    public bool Unmap(IMmioRegion region) => _mappings.RemoveAll(m => ReferenceEquals(m.Region, region)) > 0;

    public Mapping? Find(ulong address, int width = 1)
    {
        foreach (var m in _mappings)
        {
            if (m.Contains(address, width)) return m;
        }
        return null;
    }

    public bool TryRead(ulong address, int width, out ulong value)
    {
        var m = Find(address, width);
        if (m is null) { value = AllOnes(width); return false; }
        value = m.Region.Read(address - m.Base, width) & AllOnes(width);
        return true;
    }

    public bool TryWrite(ulong address, int width, ulong value)
    {
        var m = Find(address, width);
        if (m is null) return false;
        m.Region.Write(address - m.Base, width, value & AllOnes(width));
        return true;
    }

    public static ulong AllOnes(int width) => width >= 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;
}
