namespace Conformance.Reference.AmdVi;

/// <summary>
/// §2.4.2 INVALIDATE_DEVTAB_ENTRY: the unit's cached device table entries (only entries with V=1 or IV=1 are kept). A changed
/// DTE in memory is not seen until software invalidates it.
/// </summary>
public sealed class DeviceTableCache
{
    private readonly Dictionary<ushort, DeviceTableEntry> _entries = new();
    public int Count => _entries.Count;
    public bool TryGet(ushort deviceId, out DeviceTableEntry entry) => _entries.TryGetValue(deviceId, out entry);
    public void Add(ushort deviceId, DeviceTableEntry entry) => _entries[deviceId] = entry;
    public void Invalidate(ushort deviceId) => _entries.Remove(deviceId);
    public void Clear() => _entries.Clear();
}

/// <summary>One cached host translation, tagged with its DomainID (§2.4.3: the IOTLB is invalidated per domain).</summary>
public readonly record struct AmdViIotlbEntry(ushort DomainId, ulong Iova, int PageShift, ulong PageBase, bool Read, bool Write);

/// <summary>§2.4.3 INVALIDATE_IOMMU_PAGES: the IOTLB, tagged by DomainID; stale until invalidated at a covering granularity.</summary>
public sealed class AmdViIotlb
{
    private readonly Dictionary<ushort, List<AmdViIotlbEntry>> _byDomain = new();

    public int Count => _byDomain.Values.Sum(l => l.Count);

    public bool TryLookup(ushort domainId, ulong address, out AmdViIotlbEntry entry)
    {
        entry = default;
        if (!_byDomain.TryGetValue(domainId, out var list)) return false;
        foreach (var e in list)
        {
            if ((address >> e.PageShift) == (e.Iova >> e.PageShift))
            {
                entry = e;
                return true;
            }
        }
        return false;
    }

    public void Add(AmdViIotlbEntry entry)
    {
        if (!_byDomain.TryGetValue(entry.DomainId, out var list)) _byDomain[entry.DomainId] = list = [];
        // A small cache: beyond 1024 translations per domain it starts over (the spec lets hardware evict at will).
        if (list.Count >= 1024) list.Clear();
        list.Add(entry);
    }

    /// <summary>Removes the domain's translations that overlap [first, last].</summary>
    public int Invalidate(ushort domainId, ulong first, ulong last)
    {
        if (!_byDomain.TryGetValue(domainId, out var list)) return 0;
        return list.RemoveAll(e =>
        {
            ulong start = e.Iova & ~((1UL << e.PageShift) - 1);
            ulong end = start + ((1UL << e.PageShift) - 1);
            return start <= last && first <= end;
        });
    }

    public void Clear() => _byDomain.Clear();
}

/// <summary>§2.4.5 INVALIDATE_INTERRUPT_TABLE: cached interrupt remapping table entries per DeviceID.</summary>
public sealed class InterruptTableCache
{
    private readonly Dictionary<(ushort DeviceId, int Index), (ulong Lo, ulong Hi)> _entries = new();
    public int Count => _entries.Count;
    /// <summary>A cached entry: the 32-bit format in <c>Lo</c>, or both halves of the 128-bit format.</summary>
    public bool TryGet(ushort deviceId, int index, out (ulong Lo, ulong Hi) raw) => _entries.TryGetValue((deviceId, index), out raw);
    public void Add(ushort deviceId, int index, (ulong Lo, ulong Hi) raw) => _entries[(deviceId, index)] = raw;
    public void Invalidate(ushort deviceId)
    {
        foreach (var key in _entries.Keys.Where(k => k.DeviceId == deviceId).ToList()) _entries.Remove(key);
    }
    public void Clear() => _entries.Clear();
}
