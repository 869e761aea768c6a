using Conformance.Reference.Memory;

namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §9.3 Context Entry TT field (legacy mode).</summary>
public enum TranslationType
{
    /// <summary>Untranslated requests translated through the second-level tables; translation requests blocked.</summary>
    UntranslatedOnly = 0,
    /// <summary>Untranslated, translated and translation requests (device-TLB); needs ECAP.DT.</summary>
    AllRequests = 1,
    /// <summary>Untranslated requests pass through untranslated; needs ECAP.PT.</summary>
    PassThrough = 2,
    Reserved = 3,
}

/// <summary>VT-d spec §9.3 Context Entry (legacy mode, 128 bits; 256 per context table, indexed by devfn).</summary>
public readonly record struct ContextEntry(ulong Lo, ulong Hi)
{
    public const int Size = 16;

    public bool Present => (Lo & 1) != 0;
    public bool FaultProcessingDisable => (Lo & 2) != 0;
    public TranslationType Type => (TranslationType)((Lo >> 2) & 3);
    public ulong SecondLevelRoot => Lo & ~0xFFFUL;
    /// <summary>AW 66:64: adjusted guest address width, AGAW = 30 + 9*AW, page-table levels = 2 + AW.</summary>
    public int AddressWidthEncoding => (int)(Hi & 7);
    public int Levels => 2 + AddressWidthEncoding;
    public int AdjustedGuestAddressWidth => 30 + 9 * AddressWidthEncoding;
    public ushort DomainId => (ushort)(Hi >> 8);

    /// <summary>Low: bits 11:4 and 63:HAW; high: bit 7 and bits 63:24 (QEMU VTD_CONTEXT_ENTRY_RSVD_LO/HI).</summary>
    public bool HasReservedBits(int haw) =>
        (Lo & (0xFF0UL | ~VtdBits.Mask(haw))) != 0 || (Hi & 0xFFFF_FFFF_FF00_0080UL) != 0;
}

/// <summary>VT-d spec §3.4.2: locating and validating a requester's context entry (root, then context table).</summary>
public static class ContextTable
{
    public static ulong EntryAddress(ulong contextTable, byte devfn) => contextTable + (ulong)devfn * ContextEntry.Size;

    /// <summary>
    /// Walks root and context tables for <paramref name="requesterId"/>, in QEMU's vtd_dev_to_context_entry order
    /// (which is the spec's fault-condition order): 8, 1, A, 9, 2, B, then 3 for an AW that SAGAW does not list or a
    /// TT the unit does not support. On a fault, <paramref name="entry"/> holds whatever context entry was read
    /// (for its FPD bit), else default.
    /// </summary>
    public static VtdFaultReason Locate(PhysicalMemory memory, ulong rootTable, ushort requesterId, int haw, int sagaw,
        bool passThroughSupported, out ContextEntry entry, out string? why)
    {
        entry = default;
        why = null;
        byte bus = (byte)(requesterId >> 8);
        byte devfn = (byte)requesterId;

        // 1. Fetch the root entry indexed by the bus number.
        if (!RootTable.TryRead(memory, rootTable, bus, out var root))
        {
            why = $"root entry for bus 0x{bus:x2} at 0x{RootTable.EntryAddress(rootTable, bus):x} is not backed";
            return VtdFaultReason.RootTableInvalid;
        }
        // 2. It must be present, 3. with its reserved bits clear.
        if (!root.Present) { why = $"root entry for bus 0x{bus:x2} is not present"; return VtdFaultReason.RootEntryNotPresent; }
        if (root.HasReservedBits(haw)) { why = $"root entry 0x{root.Hi:x16}_{root.Lo:x16} has reserved bits set"; return VtdFaultReason.RootEntryReserved; }

        // 4. Fetch the context entry indexed by devfn.
        ulong ca = EntryAddress(root.ContextTablePointer, devfn);
        if (!memory.TryReadLe64(ca, out ulong lo) || !memory.TryReadLe64(ca + 8, out ulong hi))
        {
            why = $"context entry for devfn 0x{devfn:x2} at 0x{ca:x} is not backed";
            return VtdFaultReason.ContextTableInvalid;
        }
        entry = new ContextEntry(lo, hi);
        // 5. It must be present, 6. with its reserved bits clear.
        if (!entry.Present) { why = $"context entry at 0x{ca:x} is not present"; return VtdFaultReason.ContextEntryNotPresent; }
        if (entry.HasReservedBits(haw)) { why = $"context entry 0x{hi:x16}_{lo:x16} at 0x{ca:x} has reserved bits set"; return VtdFaultReason.ContextEntryReserved; }
        // 7. AW must be one SAGAW reports, TT one the unit supports (DT=0: TT 1 is invalid; TT 2 needs ECAP.PT).
        if (entry.AddressWidthEncoding > 4 || (sagaw & (1 << entry.AddressWidthEncoding)) == 0)
        {
            why = $"context entry AW {entry.AddressWidthEncoding} ({entry.AdjustedGuestAddressWidth}-bit) is not in SAGAW 0x{sagaw:x}";
            return VtdFaultReason.ContextEntryInvalid;
        }
        if (entry.Type is TranslationType.AllRequests or TranslationType.Reserved || (entry.Type == TranslationType.PassThrough && !passThroughSupported))
        {
            why = $"context entry TT {(int)entry.Type} is not supported";
            return VtdFaultReason.ContextEntryInvalid;
        }
        return VtdFaultReason.None;
    }
}
