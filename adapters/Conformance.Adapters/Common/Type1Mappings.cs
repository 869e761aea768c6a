namespace Conformance.Adapters.Common;

/// <summary>
/// The argument rules of a full-space map and unmap as VFIO type1 v2 applies them (facts §1.3, §1.4), shared by the
/// adapters that keep their mappings as (IOVA, size) pairs: alignment, wrap, overlap (EEXIST), the dma_entry_limit,
/// the reported IOVA ranges and guest RAM for a map; alignment, wrap and no bisected mapping for an unmap. What a
/// platform then writes into its tables, and the invalidation it owes, stay in the adapter.
/// </summary>
public static class Type1Mappings
{
    /// <summary>vfio_iommu_type1's default dma_entry_limit.</summary>
    public const int EntryLimit = 65535;

    /// <summary>Why a map of [iova, iova+size) to guest-physical <paramref name="guestPhysical"/> must be refused, or null.</summary>
    public static AdapterError? CheckMap(SortedList<ulong, ulong> mappings, ulong iova, ulong guestPhysical, ulong size, DmaAccess access,
        ulong pageSize, ulong memorySize, IReadOnlyList<IovaRange> ranges, string rangesNote)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        ArgumentNullException.ThrowIfNull(ranges);
        if ((access & DmaAccess.ReadWrite) == 0) return AdapterError.Invalid("neither read nor write");
        if (size == 0 || ((iova | guestPhysical | size) & (pageSize - 1)) != 0) return AdapterError.Invalid($"size 0 or not aligned to 0x{pageSize:x}");
        if (iova + size - 1 < iova || guestPhysical + size - 1 < guestPhysical) return AdapterError.Overflow("range wraps");
        if (Overlaps(mappings, iova, size)) return AdapterError.Exists($"IOVA 0x{iova:x}+0x{size:x} overlaps a mapping");
        if (mappings.Count >= EntryLimit) return AdapterError.NoSpace("no more DMA entries (dma_entry_limit)");
        if (!ranges.Any(r => r.Contains(iova, size))) return AdapterError.Invalid($"IOVA 0x{iova:x}+0x{size:x} is outside the valid ranges ({rangesNote})");
        if (guestPhysical + size > memorySize) return AdapterError.Invalid("not guest memory");
        return null;
    }

    /// <summary>The mappings an unmap of [iova, iova+size) removes — all inside it, none bisected — or why it is refused.</summary>
    public static AdapterError? SelectUnmap(SortedList<ulong, ulong> mappings, ulong iova, ulong size, ulong pageSize, out List<KeyValuePair<ulong, ulong>> hit)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        hit = [];
        if (size == 0 || ((iova | size) & (pageSize - 1)) != 0) return AdapterError.Invalid("size 0 or not aligned");
        if (iova + size - 1 < iova) return AdapterError.Invalid("range wraps");
        ulong end = iova + size;
        hit = mappings.Where(m => m.Key < end && iova < m.Key + m.Value).ToList();
        // Type1 v2: no mapping may be bisected by the range.
        if (hit.Any(m => m.Key < iova || m.Key + m.Value > end)) return AdapterError.Invalid("the range bisects a mapping");
        return null;
    }

    /// <summary>Whether [iova, iova+size) overlaps a mapping: only the one starting at or before iova and the next can.</summary>
    public static bool Overlaps(SortedList<ulong, ulong> mappings, ulong iova, ulong size)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        var keys = mappings.Keys;
        int lo = 0, hi = keys.Count - 1, at = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (keys[mid] <= iova) { at = mid; lo = mid + 1; } else hi = mid - 1;
        }
        if (at >= 0 && keys[at] + mappings.Values[at] > iova) return true;
        return at + 1 < keys.Count && keys[at + 1] < iova + size;
    }
}
