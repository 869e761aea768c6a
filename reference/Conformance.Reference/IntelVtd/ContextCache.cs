namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §6.5.1 context-cache invalidation granularity (CCMD.CIRG/CAIG, descriptor G).</summary>
public enum ContextInvalidationGranularity { Invalid = 0, Global = 1, Domain = 2, Device = 3 }

/// <summary>
/// VT-d spec §6.2.1 Context-Cache: context entries the hardware fetched, by requester. An entry stays (stale) when
/// software edits the table in memory, until a context-cache invalidation of a granularity that covers it. Only
/// present, valid entries are cached (CAP.CM=0: no negative caching). Direct-mapped by requester id, so a lookup
/// is one array access and the hot path never allocates.
/// </summary>
public sealed class ContextCache
{
    private struct Slot
    {
        public bool Valid;
        public int Segment;
        public ContextEntry Entry;
    }

    private readonly Slot[] _slots = new Slot[65536];
    private int _count;

    public int Count => _count;

    public bool TryGet(int segment, ushort requesterId, out ContextEntry entry)
    {
        ref var s = ref _slots[requesterId];
        if (s.Valid && s.Segment == segment)
        {
            entry = s.Entry;
            return true;
        }
        entry = default;
        return false;
    }

    public void Insert(int segment, ushort requesterId, ContextEntry entry)
    {
        ref var s = ref _slots[requesterId];
        if (!s.Valid) _count++;
        s = new Slot { Valid = true, Segment = segment, Entry = entry };
    }

    public void InvalidateAll()
    {
        if (_count == 0) return;
        Array.Clear(_slots);
        _count = 0;
    }

    public void InvalidateDomain(ushort domainId) => RemoveWhere((rid, e) => e.DomainId == domainId);

    /// <summary>Device-selective: source-id <paramref name="sourceId"/> with function mask FM (0: none, 1: bit 2, 2: bits 2:1, 3: bits 2:0 of the function ignored).</summary>
    public void InvalidateDevice(ushort domainId, ushort sourceId, int functionMask)
    {
        // §6.5.1.1: the device-selective request also names the domain; the spec matches on source-id (with FM).
        _ = domainId;
        int ignore = functionMask switch { 1 => 0b100, 2 => 0b110, 3 => 0b111, _ => 0 };
        int keep = 0xFFFF & ~ignore;
        RemoveWhere((rid, e) => (rid & keep) == (sourceId & keep));
    }

    private void RemoveWhere(Func<int, ContextEntry, bool> match)
    {
        if (_count == 0) return;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].Valid && match(i, _slots[i].Entry))
            {
                _slots[i] = default;
                _count--;
            }
        }
    }
}
