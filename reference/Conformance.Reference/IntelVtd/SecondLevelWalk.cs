using Conformance.Reference.Memory;

namespace Conformance.Reference.IntelVtd;

/// <summary>The leaf a second-level walk found: page base, size (level), and the R/W rights AND-ed down the walk.</summary>
public readonly record struct SecondLevelTranslation(ulong PageBase, int Level, bool Read, bool Write)
{
    public int PageShift => 12 + 9 * (Level - 1);
    public ulong PageMask => (1UL << PageShift) - 1;
}

/// <summary>
/// VT-d spec §3.6 "Second-Level Translation" and §9.8, legacy mode: walks 3, 4 or 5 levels from the context entry's
/// SLPTPTR. The per-level order follows QEMU's vtd_iova_to_slpte: fetch (3 at the top level, 7 below), rights
/// AND-ed with this entry's R/W and the requested right checked (5/6), reserved bits (C), then leaf or descend.
/// </summary>
public static class SecondLevelWalk
{
    public static VtdFaultReason Walk(PhysicalMemory memory, ulong root, int levels, ulong address, bool write,
        int haw, bool supports2M, bool supports1G, out SecondLevelTranslation result, out string? why)
    {
        result = default;
        why = null;
        bool r = true, w = true;
        ulong table = root;
        for (int level = levels; level >= 1; level--)
        {
            int shift = 12 + 9 * (level - 1);
            ulong entryAddress = table + ((address >> shift) & 0x1FF) * 8;

            // 1. Fetch the entry; a table that is not backed is 3 at the top (SLPTPTR) and 7 below.
            if (!memory.TryReadLe64(entryAddress, out ulong raw))
            {
                if (level == levels)
                {
                    why = $"SLPTPTR table entry at 0x{entryAddress:x} (level {level}) is not backed";
                    return VtdFaultReason.ContextEntryInvalid;
                }
                why = $"level-{level} table entry at 0x{entryAddress:x} is not backed";
                return VtdFaultReason.PagingEntryInvalid;
            }
            var e = new SecondLevelPagingEntry(raw);

            // 2. Rights are AND-ed down the walk; an entry lacking the requested right (R=W=0: not present) faults.
            r &= e.Read;
            w &= e.Write;
            if (write ? !e.Write : !e.Read)
            {
                why = $"level-{level} entry 0x{raw:x16} at 0x{entryAddress:x} denies {(write ? "write" : "read")}";
                return write ? VtdFaultReason.WriteDenied : VtdFaultReason.ReadDenied;
            }

            // 3. Reserved bits of a present entry.
            if (e.HasReservedBits(level, haw, supports2M, supports1G))
            {
                why = $"level-{level} entry 0x{raw:x16} at 0x{entryAddress:x} has reserved bits set";
                return VtdFaultReason.PagingEntryReserved;
            }

            // 4. A leaf (SL-PTE, or PS=1 in an SL-PDE/SL-PDPE) ends the walk; otherwise descend.
            if (level == 1 || e.PageSize)
            {
                ulong pageMask = (1UL << shift) - 1;
                result = new SecondLevelTranslation(e.Address(haw) & ~pageMask, level, r, w);
                return VtdFaultReason.None;
            }
            table = e.Address(haw);
        }
        why = "walk ended without a leaf"; // unreachable: level 1 is always a leaf
        return VtdFaultReason.PagingEntryInvalid;
    }
}
