using Conformance.Reference.Memory;

namespace Conformance.Adapters.Platform;

/// <summary>
/// The host kernel's page allocator, provided by the kit. Adapters get guest memory and table pages here, pin what
/// a device may reach (pin_user_pages), and give everything back at teardown; the suite reads its ledger to find
/// leaks and simulates memory pressure with <see cref="ReclaimUnpinned"/>.
/// Frames are handed out from the top of memory down, so a careless adapter meets addresses above 4 GiB.
/// </summary>
public sealed class HostPageAllocator
{
    public const ulong PageSize = PhysicalMemory.PageSize;

    private readonly IReadOnlyList<MemoryRegion> _regions;
    private readonly SortedSet<ulong> _free = new();
    private readonly Dictionary<ulong, Frame> _used = new();
    private readonly List<Action<ulong, ulong>> _migrationListeners = [];

    private sealed class Frame(string owner)
    {
        public string Owner { get; } = owner;
        public int Pins { get; set; }
    }

    public HostPageAllocator(IEnumerable<MemoryRegion> regions)
    {
        _regions = regions.ToList();
        foreach (var r in _regions)
        {
            for (ulong a = AlignUp(r.Base); a + PageSize <= r.End && a + PageSize > a; a += PageSize) _free.Add(a);
        }
    }

    private static ulong AlignUp(ulong a) => (a + PageSize - 1) & ~(PageSize - 1);

    public int FreePages => _free.Count;
    public int UsedPages => _used.Count;
    public int PinnedPages => _used.Values.Count(f => f.Pins > 0);

    /// <summary>Pages currently held by <paramref name="owner"/>.</summary>
    public IReadOnlyList<ulong> PagesOf(string owner) => _used.Where(kv => kv.Value.Owner == owner).Select(kv => kv.Key).Order().ToList();

    public IReadOnlyList<string> Owners => _used.Values.Select(f => f.Owner).Distinct().Order().ToList();

    public bool IsPinned(ulong frame) => _used.TryGetValue(frame & ~(PageSize - 1), out var f) && f.Pins > 0;

    public string? OwnerOf(ulong address) => _used.TryGetValue(address & ~(PageSize - 1), out var f) ? f.Owner : null;

    /// <summary>One frame below <paramref name="limit"/> (exclusive), highest first; null when none is free.</summary>
    public ulong? Allocate(string owner, ulong limit = ulong.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        if (_free.Count == 0 || limit < PageSize) return null;
        var view = limit == ulong.MaxValue ? _free : _free.GetViewBetween(0, limit - PageSize);
        if (view.Count == 0) return null;
        ulong frame = view.Max;
        _free.Remove(frame);
        _used[frame] = new Frame(owner);
        return frame;
    }

    /// <summary><paramref name="count"/> physically contiguous, <paramref name="alignment"/>-aligned frames (for hardware tables).</summary>
    public ulong? AllocateContiguous(string owner, int count, ulong alignment = PageSize, ulong limit = ulong.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        foreach (var a in _free.Reverse())
        {
            if (a % alignment != 0) continue;
            ulong end = a + (ulong)count * PageSize;
            if (end < a || (limit != ulong.MaxValue && end > limit)) continue;
            bool all = true;
            for (int i = 1; i < count && all; i++) all = _free.Contains(a + (ulong)i * PageSize);
            if (!all) continue;
            for (int i = 0; i < count; i++)
            {
                _free.Remove(a + (ulong)i * PageSize);
                _used[a + (ulong)i * PageSize] = new Frame(owner);
            }
            return a;
        }
        return null;
    }

    /// <summary>Returns a frame. Freeing a pinned frame, or one not allocated, is a bug in the caller.</summary>
    public void Free(ulong frame)
    {
        if (!_used.TryGetValue(frame, out var f)) throw new InvalidOperationException($"frame 0x{frame:x} is not allocated");
        if (f.Pins > 0) throw new InvalidOperationException($"frame 0x{frame:x} is still pinned ({f.Pins})");
        _used.Remove(frame);
        _free.Add(frame);
    }

    /// <summary>pin_user_pages: the frame will not move or be reclaimed until unpinned.</summary>
    public void Pin(ulong frame)
    {
        if (!_used.TryGetValue(frame & ~(PageSize - 1), out var f)) throw new InvalidOperationException($"frame 0x{frame:x} is not allocated");
        f.Pins++;
    }

    public void Unpin(ulong frame)
    {
        if (!_used.TryGetValue(frame & ~(PageSize - 1), out var f) || f.Pins == 0) throw new InvalidOperationException($"frame 0x{frame:x} is not pinned");
        f.Pins--;
    }

    /// <summary>Tells <paramref name="onMigrate"/>(old, new) whenever an unpinned frame is moved (the owner of a CPU map
    /// follows it, as the kernel's mmu notifiers do).</summary>
    public void OnMigrate(Action<ulong, ulong> onMigrate) => _migrationListeners.Add(onMigrate);

    /// <summary>
    /// Memory pressure (compaction/migration): every unpinned frame among <paramref name="frames"/> (user memory,
    /// e.g. a guest's RAM) is copied to a fresh frame of the same owner, listeners are told, and the old frame is
    /// poisoned with <paramref name="poison"/> and freed. Returns how many frames moved.
    /// </summary>
    public int ReclaimUnpinned(IEnumerable<ulong> frames, IHostMemory memory, byte poison = 0x6b)
    {
        int moved = 0;
        var buffer = new byte[PageSize];
        foreach (var old in frames.Distinct().ToList())
        {
            if (!_used.TryGetValue(old, out var frame) || frame.Pins > 0) continue;
            string owner = frame.Owner;
            if (old == 0) continue;
            var below = _free.GetViewBetween(0, old - 1);
            if (below.Count == 0) continue;
            ulong fresh = below.Max;
            _free.Remove(fresh);
            _used[fresh] = new Frame(owner);
            memory.TryRead(old, buffer);
            memory.TryWrite(fresh, buffer);
            foreach (var l in _migrationListeners) l(old, fresh);
            Array.Fill(buffer, poison);
            memory.TryWrite(old, buffer);
            _used.Remove(old);
            _free.Add(old);
            moved++;
        }
        return moved;
    }
}
