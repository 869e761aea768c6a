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
    /// <summary>Per domain: the page sizes it holds (in the order first cached) and its entries keyed by (page shift,
    /// page number), so a lookup is one hash probe per page size rather than a scan.</summary>
    private sealed class DomainEntries
    {
        public readonly List<int> Shifts = [];
        public readonly Dictionary<(int Shift, ulong Page), AmdViIotlbEntry> Entries = new();
    }

    /// <summary>A small cache: beyond this many translations per domain it starts over (the spec lets hardware evict at will).</summary>
    private const int CapacityPerDomain = 1024;
    private readonly Dictionary<ushort, DomainEntries> _byDomain = new();

    public int Count => _byDomain.Values.Sum(d => d.Entries.Count);

    public bool TryLookup(ushort domainId, ulong address, out AmdViIotlbEntry entry)
    {
        entry = default;
        if (!_byDomain.TryGetValue(domainId, out var d)) return false;
        foreach (int shift in d.Shifts)
            if (d.Entries.TryGetValue((shift, address >> shift), out entry)) return true;
        return false;
    }

    public void Add(AmdViIotlbEntry entry)
    {
        if (!_byDomain.TryGetValue(entry.DomainId, out var d)) _byDomain[entry.DomainId] = d = new DomainEntries();
        if (d.Entries.Count >= CapacityPerDomain) { d.Entries.Clear(); d.Shifts.Clear(); }
        if (!d.Shifts.Contains(entry.PageShift)) d.Shifts.Add(entry.PageShift);
        d.Entries[(entry.PageShift, entry.Iova >> entry.PageShift)] = entry;
    }

    /// <summary>Removes the domain's translations that overlap [first, last].</summary>
    public int Invalidate(ushort domainId, ulong first, ulong last)
    {
        if (!_byDomain.TryGetValue(domainId, out var d)) return 0;
        var gone = d.Entries.Where(kv =>
        {
            ulong start = kv.Value.Iova & ~((1UL << kv.Value.PageShift) - 1);
            ulong end = start + ((1UL << kv.Value.PageShift) - 1);
            return start <= last && first <= end;
        }).Select(kv => kv.Key).ToList();
        foreach (var k in gone) d.Entries.Remove(k);
        return gone.Count;
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

/// <summary>
/// One cached two-level translation: guest virtual page (with PASID) to system physical page, tagged with the DTE's
/// DomainID and the PASID, keeping the guest physical page it went through (for host-side invalidation).
/// </summary>
public readonly record struct AmdViGuestIotlbEntry(ushort DomainId, uint Pasid, ulong Gva, int PageShift, ulong PageBase, ulong GuestPhysicalBase, bool Read, bool Write);

/// <summary>
/// §2.4.3 INVALIDATE_IOMMU_PAGES with GN=1: guest translations tagged by (DomainID, PASID), stale until software
/// invalidates them (Linux amd_iommu_dev_flush_pasid_pages sends GN=1 with the DTE's DomainID and the PASID). A host-side
/// invalidation (GN=0) also drops the domain's guest translations whose guest physical page lies in its range, since
/// those combined translations went through the host entries it removes.
/// </summary>
public sealed class AmdViGuestIotlb
{
    /// <summary>Entries keyed by (domain, PASID, page shift, guest page number), with the page sizes each (domain, PASID)
    /// holds in the order first cached: a lookup is one hash probe per page size.</summary>
    private readonly Dictionary<(ushort Domain, uint Pasid, int Shift, ulong Page), AmdViGuestIotlbEntry> _entries = new();
    private readonly Dictionary<(ushort Domain, uint Pasid), List<int>> _shifts = new();

    public int Count => _entries.Count;

    public bool TryLookup(ushort domainId, uint pasid, ulong gva, out AmdViGuestIotlbEntry entry)
    {
        entry = default;
        if (!_shifts.TryGetValue((domainId, pasid), out var shifts)) return false;
        foreach (int shift in shifts)
            if (_entries.TryGetValue((domainId, pasid, shift, gva >> shift), out entry)) return true;
        return false;
    }

    public void Add(AmdViGuestIotlbEntry entry)
    {
        // A small cache: beyond 4096 translations it starts over (hardware may evict at will).
        if (_entries.Count >= 4096) Clear();
        if (!_shifts.TryGetValue((entry.DomainId, entry.Pasid), out var shifts)) _shifts[(entry.DomainId, entry.Pasid)] = shifts = [];
        if (!shifts.Contains(entry.PageShift)) shifts.Add(entry.PageShift);
        _entries[(entry.DomainId, entry.Pasid, entry.PageShift, entry.Gva >> entry.PageShift)] = entry;
    }

    /// <summary>GN=1: removes the (domain, PASID) translations whose guest virtual page overlaps [first, last].</summary>
    public int InvalidateGuest(ushort domainId, uint pasid, ulong first, ulong last) =>
        RemoveWhere(e => e.DomainId == domainId && e.Pasid == pasid && Overlaps(e.Gva, e.PageShift, first, last));

    /// <summary>GN=0: removes the domain's translations whose guest physical page overlaps [first, last].</summary>
    public int InvalidateHost(ushort domainId, ulong first, ulong last) =>
        RemoveWhere(e => e.DomainId == domainId && Overlaps(e.GuestPhysicalBase, e.PageShift, first, last));

    private int RemoveWhere(Func<AmdViGuestIotlbEntry, bool> predicate)
    {
        var gone = _entries.Where(kv => predicate(kv.Value)).Select(kv => kv.Key).ToList();
        foreach (var k in gone) _entries.Remove(k);
        return gone.Count;
    }

    private static bool Overlaps(ulong address, int shift, ulong first, ulong last)
    {
        ulong start = address & ~((1UL << shift) - 1);
        ulong end = start + ((1UL << shift) - 1);
        return start <= last && first <= end;
    }

    public void Clear()
    {
        _entries.Clear();
        _shifts.Clear();
    }
}
