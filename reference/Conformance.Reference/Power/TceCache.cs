namespace Conformance.Reference.Power;

/// <summary>
/// The PHB's TCE cache: leaf TCEs keyed by TVE and IO page. An entry stays (stale) after software changes the TCE in
/// memory or the TVE, until a TCE kill of the right scope (OPAL_PCI_TCE_KILL: ALL, or PE — PHB4 turns PAGES into a
/// PE kill, erratum HW560152 — and the PHB_TCE_KILL register). Capacity is bounded; the oldest entry is evicted first.
/// </summary>
public sealed class TceCache(int capacity = 4096)
{
    private readonly record struct Key(int TveIndex, ulong IoPage, int PageShift);

    private readonly Dictionary<Key, Tce> _entries = [];
    private readonly Queue<Key> _order = new();

    public int Count => _entries.Count;

    public bool TryLookup(int tveIndex, ulong offset, int pageShift, out Tce tce) =>
        _entries.TryGetValue(new Key(tveIndex, offset >> pageShift, pageShift), out tce);

    public void Insert(int tveIndex, ulong offset, int pageShift, Tce tce)
    {
        var key = new Key(tveIndex, offset >> pageShift, pageShift);
        if (_entries.ContainsKey(key)) { _entries[key] = tce; return; }
        while (_entries.Count >= capacity && _order.Count > 0) _entries.Remove(_order.Dequeue());
        _entries[key] = tce;
        _order.Enqueue(key);
    }

    /// <summary>PHB_TCE_KILL_PE: every entry of PE <paramref name="pe"/> (PENUM is 9 bits wide).</summary>
    public void KillPe(int pe)
    {
        foreach (var k in _entries.Keys.Where(k => (k.TveIndex >> 1) == pe).ToList()) _entries.Remove(k);
        Compact();
    }

    /// <summary>PHB_TCE_KILL_ALL.</summary>
    public void KillAll()
    {
        _entries.Clear();
        _order.Clear();
    }

    private void Compact()
    {
        var live = _order.Where(_entries.ContainsKey).ToList();
        _order.Clear();
        foreach (var k in live) _order.Enqueue(k);
    }
}
