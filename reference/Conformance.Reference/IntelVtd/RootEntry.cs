using Conformance.Reference.Memory;

namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §10.4.6 Root Table Address register: the table pointer and the translation table mode.</summary>
public readonly record struct RootTableAddressRegister(ulong Raw)
{
    public ulong Address => Raw & ~0xFFFUL;
    /// <summary>TTM 11:10: 00 legacy, 01 scalable (only with ECAP.SMTS), 10 abort-DMA (ECAP.ADMS), 11 reserved.</summary>
    public TranslationTableMode Mode => (TranslationTableMode)((Raw >> 10) & 3);
}

public enum TranslationTableMode { Legacy = 0, Scalable = 1, AbortDma = 2, Reserved = 3 }

/// <summary>VT-d spec §9.1 Root Entry (legacy mode, 128 bits; 256 per 4 KiB root table, indexed by bus number).</summary>
public readonly record struct RootEntry(ulong Lo, ulong Hi)
{
    public const int Size = 16;

    public bool Present => (Lo & 1) != 0;
    public ulong ContextTablePointer => Lo & ~0xFFFUL;

    /// <summary>Bits 11:1, bits 63:HAW of the low half and all of the high half are reserved (must be 0).</summary>
    public bool HasReservedBits(int haw) => (Lo & (0xFFEUL | ~VtdBits.Mask(haw))) != 0 || Hi != 0;
}

/// <summary>VT-d spec §3.4.2 legacy-mode address translation, the root table step.</summary>
public static class RootTable
{
    public static ulong EntryAddress(ulong rootTable, byte bus) => rootTable + (ulong)bus * RootEntry.Size;

    /// <summary>Reads the root entry for <paramref name="bus"/>; false when the table is not backed.</summary>
    public static bool TryRead(PhysicalMemory memory, ulong rootTable, byte bus, out RootEntry entry)
    {
        ulong a = EntryAddress(rootTable, bus);
        if (memory.TryReadLe64(a, out ulong lo) && memory.TryReadLe64(a + 8, out ulong hi))
        {
            entry = new RootEntry(lo, hi);
            return true;
        }
        entry = default;
        return false;
    }
}

/// <summary>Bit helpers shared by the VT-d entry types.</summary>
internal static class VtdBits
{
    /// <summary>Bits [width-1:0] set; width 64 or more gives all ones.</summary>
    public static ulong Mask(int width) => width >= 64 ? ulong.MaxValue : (1UL << width) - 1;
}
