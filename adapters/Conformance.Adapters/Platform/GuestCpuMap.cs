namespace Conformance.Adapters.Platform;

/// <summary>What a guest-physical page is backed by in the CPU map.</summary>
public enum CpuMapKind { Ram, Mmio }

/// <summary>One entry of a guest's CPU map: guest-physical page to host-physical page.</summary>
public readonly record struct CpuMapEntry(ulong GuestPhysical, ulong HostPhysical, CpuMapKind Kind);

/// <summary>
/// A guest's CPU address map (Intel EPT, AMD NPT, POWER partition-scoped table), 4 KiB granular: what the guest's
/// loads and stores reach. The adapter programs it; the suite's guest runs on it, and the suite reads it to see what
/// a guest was given (a BAR page mapped here is exposed to the guest). Unmapped guest-physical accesses exit to the
/// adapter (<see cref="IGuest.HandleMmioExit"/>). Follows host page migration of unpinned frames.
/// </summary>
public sealed class GuestCpuMap
{
    public const ulong PageSize = HostPageAllocator.PageSize;
    private readonly SortedDictionary<ulong, CpuMapEntry> _pages = new();

    public GuestCpuMap(string owner, HostPageAllocator pages)
    {
        Owner = owner;
        pages.OnMigrate(Migrate);
    }

    public string Owner { get; }

    public IReadOnlyCollection<CpuMapEntry> Entries => _pages.Values;

    /// <summary>Maps [gpa, gpa+size) to [hpa, hpa+size); both page aligned. Replaces what was there.</summary>
    public void Map(ulong guestPhysical, ulong hostPhysical, ulong size, CpuMapKind kind)
    {
        if (((guestPhysical | hostPhysical | size) & (PageSize - 1)) != 0) throw new ArgumentException("CPU map entries are 4 KiB aligned");
        for (ulong o = 0; o < size; o += PageSize) _pages[guestPhysical + o] = new CpuMapEntry(guestPhysical + o, hostPhysical + o, kind);
    }

    public void Unmap(ulong guestPhysical, ulong size)
    {
        for (ulong o = 0; o < size; o += PageSize) _pages.Remove((guestPhysical & ~(PageSize - 1)) + o);
    }

    public void Clear() => _pages.Clear();

    public CpuMapEntry? Lookup(ulong guestPhysical) =>
        _pages.TryGetValue(guestPhysical & ~(PageSize - 1), out var e) ? e : null;

    /// <summary>The host physical address a guest-physical address reaches, or null (exit).</summary>
    public ulong? Translate(ulong guestPhysical) =>
        Lookup(guestPhysical) is { } e ? e.HostPhysical + (guestPhysical & (PageSize - 1)) : null;

    private void Migrate(ulong oldFrame, ulong newFrame)
    {
        foreach (var e in _pages.Values.Where(e => e.Kind == CpuMapKind.Ram && e.HostPhysical == oldFrame).ToList())
            _pages[e.GuestPhysical] = e with { HostPhysical = newFrame };
    }
}
