using Conformance.Reference.Topology;

namespace Conformance.Reference.Pci;

/// <summary>
/// One implemented Base Address Register (PCI Local Bus 3.0 §6.2.5.1). The size is what the hardware implements;
/// software finds it by writing all-ones and reading back: the address bits below the size are hard-wired to zero,
/// the low bits give the type (bit 0 I/O, bits 2:1 memory type with 10b = 64-bit, bit 3 prefetchable). A 64-bit
/// BAR keeps its upper 32 address bits in the next BAR register.
/// </summary>
public readonly record struct BaseAddressRegister(int Index, BarKind Kind, bool Prefetchable, ulong Size)
{
    public bool IsIo => Kind == BarKind.Io;
    public bool Is64 => Kind == BarKind.Mem64;

    /// <summary>Config offset of the (low) register.</summary>
    public int Offset => PciConfig.Bar0 + 4 * Index;

    /// <summary>The read-only type bits in the low dword.</summary>
    public uint TypeBits => Kind switch
    {
        BarKind.Io => PciConfig.BarSpaceIo,
        BarKind.Mem64 => PciConfig.BarMemType64 | (Prefetchable ? PciConfig.BarMemPrefetch : 0),
        _ => Prefetchable ? PciConfig.BarMemPrefetch : 0,
    };

    /// <summary>Writable bits of the low dword: the address bits at or above the size (bit 1 of an I/O BAR is reserved).</summary>
    public uint LowWritableMask => IsIo
        ? (uint)~(Size - 1) & 0xFFFF_FFFCu
        : (uint)~(Size - 1) & 0xFFFF_FFF0u;

    /// <summary>Writable bits of the upper dword of a 64-bit BAR.</summary>
    public uint HighWritableMask => (uint)(~(Size - 1) >> 32);

    /// <summary>The address the BAR decodes now, read from the live registers.</summary>
    public ulong LiveBase(ConfigSpace config)
    {
        uint lo = config.Get32(Offset);
        if (IsIo) return lo & 0xFFFF_FFFCu;
        ulong b = lo & 0xFFFF_FFF0u;
        if (Is64) b |= (ulong)config.Get32(Offset + 4) << 32;
        return b;
    }

    public bool Contains(ConfigSpace config, ulong address, int width, out ulong offset)
    {
        ulong b = LiveBase(config);
        offset = address - b;
        return address >= b && offset <= Size - (ulong)width;
    }
}
