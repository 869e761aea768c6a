namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §6.5.1.2 IOTLB invalidation granularity (IOTLB_REG.IIRG/IAIG, descriptor G).</summary>
public enum IotlbInvalidationGranularity { Invalid = 0, Global = 1, Domain = 2, Page = 3 }

/// <summary>One cached second-level translation, tagged by domain (spec §6.2.2).</summary>
/// <param name="InputBase">The input (IOVA) page the entry translates.</param>
/// <param name="OutputBase">The host physical page it translates to.</param>
public readonly record struct IotlbEntry(ushort DomainId, ulong InputBase, ulong OutputBase, int Level, bool Read, bool Write)
{
    public int PageShift => 12 + 9 * (Level - 1);
}

/// <summary>
/// VT-d spec §6.2.2 IOTLB: leaf translations (4 KiB, 2 MiB, 1 GiB) tagged with the domain id. Entries stay
/// (stale) until an IOTLB invalidation covers them: global, domain-selective, or page-selective (address and
/// address mask AM, 2^AM pages). Only successful translations are cached. When the IOTLB is full it is emptied
/// (hardware may evict at any time; QEMU does the same at 1024 entries). Lookups and fills do not allocate
/// once the table has grown.
/// </summary>
public sealed class Iotlb
{
    public const int Capacity = 4096;
    private readonly Dictionary<ulong, IotlbEntry> _entries = new(Capacity);

    public int Count => _entries.Count;

    // Key: domain 63:48, level-1 47:46, page number (address >> page shift) 45:0.
    private static ulong Key(ushort domainId, int level, ulong address) =>
        ((ulong)domainId << 48) | ((ulong)(level - 1) << 46) | ((address >> (12 + 9 * (level - 1))) & ((1UL << 46) - 1));

    /// <summary>Finds the cached leaf covering <paramref name="address"/> in the domain, trying 4 KiB, then 2 MiB, then 1 GiB.</summary>
    public bool TryLookup(ushort domainId, ulong address, out IotlbEntry entry)
    {
        if (_entries.TryGetValue(Key(domainId, 1, address), out entry)) return true;
        if (_entries.Count == 0) return false;
        if (_entries.TryGetValue(Key(domainId, 2, address), out entry)) return true;
        return _entries.TryGetValue(Key(domainId, 3, address), out entry);
    }

    public void Insert(ushort domainId, ulong address, in SecondLevelTranslation t)
    {
        if (_entries.Count >= Capacity) _entries.Clear();
        ulong inputBase = address & ~t.PageMask;
        _entries[Key(domainId, t.Level, address)] = new IotlbEntry(domainId, inputBase, t.PageBase, t.Level, t.Read, t.Write);
    }

    public void InvalidateAll() => _entries.Clear();

    public void InvalidateDomain(ushort domainId) => RemoveWhere(e => e.DomainId == domainId);

    /// <summary>
    /// Page-selective: every entry of the domain whose page overlaps [address, address + 2^(12+AM)). The hint IH
    /// (leaf entries only, keep paging-structure caches) changes nothing here: the model keeps no paging-structure
    /// cache.
    /// </summary>
    public void InvalidatePages(ushort domainId, ulong address, int addressMask)
    {
        int shift = 12 + Math.Clamp(addressMask, 0, 63 - 12);
        ulong start = address & ~((1UL << shift) - 1);
        ulong last = start + ((1UL << shift) - 1);
        RemoveWhere(e =>
        {
            if (e.DomainId != domainId) return false;
            ulong pageFirst = e.InputBase;
            ulong pageLast = e.InputBase + ((1UL << e.PageShift) - 1);
            return pageFirst <= last && start <= pageLast;
        });
    }

    private void RemoveWhere(Func<IotlbEntry, bool> match)
    {
        if (_entries.Count == 0) return;
        List<ulong>? doomed = null;
        foreach (var kv in _entries)
        {
            if (match(kv.Value)) (doomed ??= []).Add(kv.Key);
        }
        if (doomed is null) return;
        foreach (var k in doomed) _entries.Remove(k);
    }
}
