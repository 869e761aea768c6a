using Conformance.Reference.Pci;

namespace Conformance.Reference.Tests.PciTests;

/// <summary>Software's view of configuration space: what a driver or the Linux PCI core does with config reads and writes.</summary>
internal static class ConfigProbe
{
    /// <summary>Sizes a BAR the way Linux's __pci_read_base does: save, write all-ones, read back, restore.</summary>
    public static (ulong Size, uint TypeBits) SizeBar(PciFunction f, int index)
    {
        int off = 0x10 + 4 * index;
        uint saved = f.ConfigRead(off, 4);
        bool io = (saved & 1) != 0;
        bool is64 = !io && (saved & 0x6) == 0x4;
        uint savedHi = is64 ? f.ConfigRead(off + 4, 4) : 0;
        f.ConfigWrite(off, 4, 0xFFFF_FFFF);
        uint lo = f.ConfigRead(off, 4);
        uint hi = 0xFFFF_FFFF;
        if (is64)
        {
            f.ConfigWrite(off + 4, 4, 0xFFFF_FFFF);
            hi = f.ConfigRead(off + 4, 4);
        }
        f.ConfigWrite(off, 4, saved);
        if (is64) f.ConfigWrite(off + 4, 4, savedHi);
        ulong mask = io ? (lo & 0xFFFF_FFFCu) | 0xFFFF_FFFF_0000_0000UL : ((ulong)hi << 32) | (lo & 0xFFFF_FFF0u);
        if (!is64 && !io) mask |= 0xFFFF_FFFF_0000_0000UL;
        return (~mask + 1, lo & (io ? 0x3u : 0xFu));
    }

    /// <summary>Walks the capability list from 0x34 (PCI Local Bus 3.0 §6.7), at most 48 hops like pci_find_capability.</summary>
    public static List<(int Offset, byte Id)> Capabilities(PciFunction f)
    {
        var list = new List<(int, byte)>();
        if ((f.ConfigRead(0x06, 2) & 0x10) == 0) return list;
        int at = (int)f.ConfigRead(0x34, 1) & 0xFC;
        for (int ttl = 48; at >= 0x40 && ttl > 0; ttl--)
        {
            list.Add((at, (byte)f.ConfigRead(at, 1)));
            at = (int)f.ConfigRead(at + 1, 1) & 0xFC;
        }
        return list;
    }

    /// <summary>Walks the extended capabilities from 0x100 (PCIe Base §7.6.3), like pci_find_next_ext_capability.</summary>
    public static List<(int Offset, ushort Id)> ExtendedCapabilities(PciFunction f)
    {
        var list = new List<(int, ushort)>();
        int at = 0x100;
        for (int ttl = (4096 - 256) / 8; ttl > 0 && at >= 0x100; ttl--)
        {
            uint header = f.ConfigRead(at, 4);
            if (header == 0 || header == 0xFFFF_FFFF) break;
            list.Add((at, (ushort)header));
            at = (int)(header >> 20) & 0xFFC;
        }
        return list;
    }
}
