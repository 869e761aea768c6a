using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Common;

/// <summary>
/// Bookkeeping every adapter needs, written once: which owner holds which group, and the guests alive. Derived
/// adapters supply the platform part (<see cref="NewGuest"/>).
/// </summary>
public abstract class HostAdapterBase(IPlatformAccess platform, AdapterCapabilities capabilities) : IHostAdapter
{
    private readonly Dictionary<int, GuestBase> _owners = new();
    private readonly List<GuestBase> _guests = [];

    public IPlatformAccess Platform { get; } = platform;
    public AdapterCapabilities Capabilities { get; } = capabilities;

    /// <summary>The owner of a group, or null.</summary>
    public GuestBase? OwnerOf(int groupId) => _owners.TryGetValue(groupId, out var g) ? g : null;

    internal void SetOwner(int groupId, GuestBase? guest)
    {
        if (guest is null) _owners.Remove(groupId);
        else _owners[groupId] = guest;
    }

    internal void Forget(GuestBase guest) => _guests.Remove(guest);

    public async ValueTask<Result<IGuest>> CreateGuestAsync(GuestConfig config, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (config.MemorySize == 0 || (config.MemorySize & (HostPageAllocator.PageSize - 1)) != 0)
            return AdapterError.Invalid("guest memory size must be a non-zero multiple of 4 KiB");
        if (config.Vcpus.Count == 0) return AdapterError.Invalid("a guest needs at least one vCPU");
        if (config.Backing == MemoryBacking.FaultBacked && !Capabilities.IoPageFaults)
            return AdapterError.NotSupported("fault-backed guest memory needs I/O page faults");
        if (_guests.Any(g => g.Name == config.Name)) return AdapterError.Exists($"a guest named {config.Name} exists");
        var guest = NewGuest(config);
        var r = await guest.InitializeAsync(cancellationToken).ConfigureAwait(false);
        if (!r.IsOk)
        {
#pragma warning disable DAK005 // the creation's error is the answer; destroying the half-made guest is best effort
            await guest.DestroyAsync(cancellationToken).ConfigureAwait(false);
#pragma warning restore DAK005
            return r.Error;
        }
        _guests.Add(guest);
        return guest;
    }

    protected abstract GuestBase NewGuest(GuestConfig config);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "DAK005", Justification = "DisposeAsync has no result to answer with; each guest's DestroyAsync is best effort here.")]
    public async ValueTask DisposeAsync()
    {
        foreach (var g in _guests.ToList()) await g.DestroyAsync(CancellationToken.None).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
