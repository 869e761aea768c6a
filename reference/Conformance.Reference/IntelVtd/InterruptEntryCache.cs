namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §6.2.4 Interrupt Entry Cache: IRTEs the hardware fetched, by index. An entry stays (stale) when
/// software edits the table, until an IEC invalidation covers it: global, or index-selective (index with index
/// mask IM: 2^IM entries from the index aligned down). Only present entries without reserved bits are cached.
/// Emptied when full.
/// </summary>
public sealed class InterruptEntryCache
{
    public const int Capacity = 1024;
    private readonly Dictionary<int, Irte> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(int index, out Irte entry) => _entries.TryGetValue(index, out entry);

    public void Insert(int index, Irte entry)
    {
        if (_entries.Count >= Capacity) _entries.Clear();
        _entries[index] = entry;
    }

    public void InvalidateAll() => _entries.Clear();

    public void InvalidateIndex(int index, int indexMask)
    {
        int size = 1 << Math.Clamp(indexMask, 0, 16);
        int first = index & ~(size - 1);
        foreach (int k in _entries.Keys.Where(k => k >= first && k < first + size).ToList()) _entries.Remove(k);
    }
}
