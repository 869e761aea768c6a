using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Adapters.Common;

/// <summary>
/// One owner, with everything that is the same on every platform: memory (allocated, pinned, mapped in the CPU
/// map), whole-group ownership, MSI-X routing by programming the device's table through its BAR, BAR exposure with
/// the MSI-X table and sub-page BARs trapped unless the capability allows, resets with the ownership rule, and
/// teardown. The platform's DMA part lives in the hooks (<see cref="OnAttachAsync"/>, <see cref="OnDetachAsync"/>,
/// <see cref="OnRouteAsync"/>, <see cref="OnDestroyAsync"/>).
/// </summary>
public abstract class GuestBase : IGuest
{
    private const ulong Page = HostPageAllocator.PageSize;
    private readonly List<int> _groups = [];
    private readonly List<Trap> _traps = [];
    private readonly Dictionary<(Bdf, int), (ulong Address, uint Data, uint Control)> _virtualMsix = new();
    private bool _destroyed;

    /// <summary>A trapped piece of a BAR: guest accesses exit to the adapter, which forwards or emulates them.</summary>
    private sealed record Trap(ulong GuestPhysical, ulong Size, Bdf Device, BarFacts Bar, ulong BarOffset);

    protected GuestBase(HostAdapterBase host, GuestConfig config)
    {
        Host = host;
        Config = config;
        CpuMap = host.Platform.CreateGuestCpuMap(config.Name);
    }

    public HostAdapterBase Host { get; }
    protected IPlatformAccess Platform => Host.Platform;
    public string Name => Config.Name;
    public GuestConfig Config { get; }
    public GuestCpuMap CpuMap { get; }
    public IReadOnlyCollection<int> Groups => _groups;
    public virtual IFullSpaceDma? FullSpace => null;
    public virtual IWindowedDma? Windowed => null;
    public virtual INestedDma? Nested => null;
    public virtual IErrorRecovery? Recovery => null;
    public abstract IGuestFace Face { get; }

    /// <summary>The allocator owner tag of this guest's pages.</summary>
    protected string PageOwner => $"guest:{Name}";

    /// <summary>The highest address (exclusive) guest memory may be taken from; NOIOMMU keeps it below 4 GiB.</summary>
    protected virtual ulong MemoryLimit => ulong.MaxValue;

    /// <summary>Host physical frame backing guest-physical page <paramref name="gpa"/>, or null.</summary>
    public ulong? FrameOf(ulong gpa) => CpuMap.Lookup(gpa) is { Kind: CpuMapKind.Ram } e ? e.HostPhysical : null;

    /// <summary>The devices of every held group.</summary>
    public IEnumerable<Bdf> Devices => _groups.SelectMany(g => Platform.Facts.Group(g)!.Devices);

    public bool Owns(Bdf device) => Devices.Contains(device);

    /// <summary>Whether pinned backing really pins (pin_user_pages). Only a deliberately broken adapter says no.</summary>
    protected virtual bool PinsMemory => true;

    /// <summary>Back guest memory with one physically contiguous block (as NOIOMMU users do with hugepages).</summary>
    protected virtual bool PhysicallyContiguous => false;

    internal async ValueTask<Result> InitializeAsync(CancellationToken ct)
    {
        ulong? block = null;
        if (PhysicallyContiguous)
        {
            block = Platform.Pages.AllocateContiguous(PageOwner, (int)(Config.MemorySize / Page), Page, MemoryLimit);
            if (block is null) return AdapterError.NoSpace("no contiguous host memory for the guest");
        }
        for (ulong gpa = 0; gpa < Config.MemorySize; gpa += Page)
        {
            var frame = block is { } b ? b + gpa : Platform.Pages.Allocate(PageOwner, MemoryLimit);
            if (frame is null) return AdapterError.NoSpace("host memory exhausted");
            if (Config.Backing == MemoryBacking.Pinned && PinsMemory) Platform.Pages.Pin(frame.Value);
            CpuMap.Map(gpa, frame.Value, Page, CpuMapKind.Ram);
        }
        return await OnCreateAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Platform part of creation (a DMA domain, windows...). Memory is in place and pinned.</summary>
    protected virtual ValueTask<Result> OnCreateAsync(CancellationToken ct) => new(Result.Ok);

    public async ValueTask<Result> AttachGroupAsync(int groupId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_destroyed) return AdapterError.Invalid("the guest is destroyed");
        var group = Platform.Facts.Group(groupId);
        if (group is null) return AdapterError.NotFound($"no group {groupId}");
        if (!group.Viable) return AdapterError.Permission($"group {groupId} is not viable: a host driver uses the DMA API on one of its functions");
        var owner = Host.OwnerOf(groupId);
        if (owner == this) return AdapterError.Invalid($"group {groupId} is already attached to {Name}");
        if (owner is not null) return AdapterError.Busy($"group {groupId} is owned by {owner.Name}");
        var r = await OnAttachAsync(group, cancellationToken).ConfigureAwait(false);
        if (!r.IsOk) return r;
        Host.SetOwner(groupId, this);
        _groups.Add(groupId);
        return Result.Ok;
    }

    /// <summary>Platform part of attach: put every function of <paramref name="group"/> into this owner's domain.</summary>
    protected abstract ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct);

    public async ValueTask<Result> DetachGroupAsync(int groupId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_groups.Contains(groupId)) return AdapterError.NotFound($"{Name} does not hold group {groupId}");
        var group = Platform.Facts.Group(groupId)!;
        foreach (var d in group.Devices) MaskAll(d);
        _traps.RemoveAll(t => group.Devices.Contains(t.Device));
        foreach (var e in CpuMap.Entries.Where(e => e.Kind == CpuMapKind.Mmio && DecodesTo(group, e.HostPhysical)).ToList()) CpuMap.Unmap(e.GuestPhysical, Page);
        var r = await OnDetachAsync(group, cancellationToken).ConfigureAwait(false);
        _groups.Remove(groupId);
        Host.SetOwner(groupId, null);
        return r;
    }

    /// <summary>Platform part of detach: its functions must reach nothing of this owner once this returns.</summary>
    protected abstract ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct);

    private bool DecodesTo(IsolationGroup group, ulong hostPhysical) =>
        group.Devices.Select(Platform.Facts.Device).Any(d => d?.Bars.Any(b => hostPhysical + Page > b.Base && hostPhysical < b.Base + b.Size) == true);

    // ---- interrupts ---------------------------------------------------------------------------

    public async ValueTask<Result> RouteMsixAsync(Bdf device, int index, GuestVector target, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Owns(device)) return AdapterError.NotFound($"{Name} does not own {device}");
        var facts = Platform.Facts.Device(device)!;
        if (facts.Msix is null || index < 0 || index >= facts.Msix.Vectors) return AdapterError.Invalid($"{device} has no MSI-X entry {index}");
        if (!Config.Vcpus.Contains(target.Vcpu)) return AdapterError.Invalid($"vCPU {target.Vcpu} is not {Name}'s");
        if (target.Vector is < 0x10 or > 0xfe) return AdapterError.Invalid($"vector {target.Vector} is reserved");
        return await OnRouteAsync(facts, index, target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Platform part of routing. Default (x86 without interrupt remapping): program the device's MSI-X entry
    /// with a compatibility-format message to the vCPU's APIC and unmask it. Other platforms override this.</summary>
    protected virtual ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct)
    {
        WriteMsixEntry(device, index, X86.X86Msi.CompatibilityAddress((uint)target.Vcpu), (uint)target.Vector, masked: false);
        return new(Result.Ok);
    }

    public ValueTask<Result> DisableMsixAsync(Bdf device, int index, CancellationToken cancellationToken)
    {
        if (!Owns(device)) return new(AdapterError.NotFound($"{Name} does not own {device}"));
        var facts = Platform.Facts.Device(device)!;
        if (facts.Msix is null || index < 0 || index >= facts.Msix.Vectors) return new(AdapterError.Invalid($"{device} has no MSI-X entry {index}"));
        return OnDisableAsync(facts, index, cancellationToken);
    }

    /// <summary>Platform part of disabling an entry. Default: mask the device's MSI-X entry (PCI 3.0 §6.8.3.5). Platforms
    /// that routed the entry through an interrupt controller also take that route down.</summary>
    protected virtual ValueTask<Result> OnDisableAsync(DeviceFacts device, int index, CancellationToken ct)
    {
        WriteMsixEntry(device, index, 0, 0, masked: true);
        return new(Result.Ok);
    }

    /// <summary>Writes an MSI-X table entry of the physical device through its BAR (PCI 3.0 §6.8.2).</summary>
    protected void WriteMsixEntry(DeviceFacts device, int index, ulong address, uint data, bool masked)
    {
        var m = device.Msix!;
        ulong entry = device.Bar(m.TableBar)!.Base + m.TableOffset + (ulong)index * 16;
        Platform.Mmio.Write(entry + 12, 4, 1); // mask while changing (PCI 3.0 §6.8.3.5)
        Platform.Mmio.Write(entry, 4, (uint)address);
        Platform.Mmio.Write(entry + 4, 4, (uint)(address >> 32));
        Platform.Mmio.Write(entry + 8, 4, data);
        Platform.Mmio.Write(entry + 12, 4, masked ? 1u : 0u);
    }

    private void MaskAll(Bdf device)
    {
        var facts = Platform.Facts.Device(device);
        if (facts?.Msix is null || facts.Bar(facts.Msix.TableBar) is null) return;
        for (int i = 0; i < facts.Msix.Vectors; i++) WriteMsixEntry(facts, i, 0, 0, masked: true);
    }

    // ---- BARs -----------------------------------------------------------------------------------

    public ValueTask<Result<IReadOnlyList<MmioArea>>> MapBarAsync(Bdf device, int bar, ulong guestPhysical, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Owns(device)) return new(AdapterError.NotFound($"{Name} does not own {device}"));
        var facts = Platform.Facts.Device(device)!;
        var b = facts.Bar(bar);
        if (b is null || b.Kind == Reference.Topology.BarKind.Io) return new(AdapterError.Invalid($"{device} has no memory BAR {bar}"));
        if ((guestPhysical & (Page - 1)) != 0) return new(AdapterError.Invalid("BARs are placed page-aligned in the guest"));
        var areas = new List<MmioArea>();
        ulong span = (b.Size + Page - 1) & ~(Page - 1);
        for (ulong o = 0; o < span; o += Page)
        {
            if (MayMapPage(facts, b, o)) { CpuMap.Map(guestPhysical + o, b.Base + o, Page, CpuMapKind.Mmio); areas.Add(new MmioArea(guestPhysical + o, b.Base + o, Page)); }
            else _traps.Add(new Trap(guestPhysical + o, Math.Min(Page, b.Size - o), device, b, o));
        }
        return new(Result<IReadOnlyList<MmioArea>>.From(areas));
    }

    /// <summary>
    /// Whether page <paramref name="offset"/> of a BAR may go into the CPU map: not a sub-page BAR unless the adapter
    /// may map those and the BAR is page-aligned (vfio_pci_probe_mmaps), and not the MSI-X table or PBA page unless
    /// the table is mappable (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE).
    /// </summary>
    protected virtual bool MayMapPage(DeviceFacts device, BarFacts bar, ulong offset)
    {
        if (bar.Size < Page && (!Host.Capabilities.SubPageBarMapping || (bar.Base & (Page - 1)) != 0)) return false;
        if (device.Msix is { } m && !Host.Capabilities.MsixTableMappable)
        {
            if (bar.Index == m.TableBar && Overlaps(offset, m.TableOffset, (ulong)m.Vectors * 16)) return false;
            if (bar.Index == m.PbaBar && Overlaps(offset, m.PbaOffset, (ulong)(m.Vectors + 63) / 64 * 8)) return false;
        }
        return true;
    }

    private static bool Overlaps(ulong pageOffset, ulong start, ulong size) =>
        start < pageOffset + Page && pageOffset < start + size;

    public Result HandleMmioExit(ulong guestPhysical, int width, bool write, ref ulong value)
    {
        var t = _traps.FirstOrDefault(t => guestPhysical >= t.GuestPhysical && guestPhysical - t.GuestPhysical < Page);
        if (t is null) return AdapterError.NotFound($"nothing of {Name} at guest-physical 0x{guestPhysical:x}");
        ulong offset = t.BarOffset + (guestPhysical - t.GuestPhysical);
        if (offset + (ulong)width > t.Bar.Size)
        {
            if (!write) value = ulong.MaxValue >> (64 - width * 8);
            return Result.Ok; // beyond the BAR: reads float high, writes are dropped
        }
        var device = Platform.Facts.Device(t.Device)!;
        if (device.Msix is { } m && t.Bar.Index == m.TableBar && offset >= m.TableOffset && offset < m.TableOffset + (ulong)m.Vectors * 16)
        {
            // The guest's view of its MSI-X table is virtual: what it writes is kept, never sent to the device.
            int entry = (int)((offset - m.TableOffset) / 16), field = (int)((offset - m.TableOffset) % 16) / 4;
            var v = _virtualMsix.TryGetValue((t.Device, entry), out var x) ? x : (Address: 0UL, Data: 0u, Control: 1u);
            if (write)
            {
                v = field switch
                {
                    0 => (v.Address & ~0xffff_ffffUL | (uint)value, v.Data, v.Control),
                    1 => (v.Address & 0xffff_ffffUL | ((ulong)(uint)value << 32), v.Data, v.Control),
                    2 => (v.Address, (uint)value, v.Control),
                    _ => (v.Address, v.Data, (uint)value),
                };
                _virtualMsix[(t.Device, entry)] = v;
            }
            else value = field switch { 0 => (uint)v.Address, 1 => (uint)(v.Address >> 32), 2 => v.Data, _ => v.Control };
            return Result.Ok;
        }
        if (write) Platform.Mmio.Write(t.Bar.Base + offset, width, value);
        else value = Platform.Mmio.Read(t.Bar.Base + offset, width);
        return Result.Ok;
    }

    // ---- resets -------------------------------------------------------------------------------

    public ValueTask<Result> ResetDeviceAsync(Bdf device, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Owns(device)) return new(AdapterError.NotFound($"{Name} does not own {device}"));
        // PCIe Base §7.5.3.4: Initiate Function Level Reset in Device Control of the Express capability.
        int cap = (int)Platform.Config.Read(device, PciConfigRegisters.CapabilitiesPointer, 1);
        if (Platform.Config.Read(device, cap, 1) != PciConfigRegisters.PcieCapabilityId) return new(AdapterError.NotSupported($"{device} has no Express capability at 0x{cap:x}"));
        Platform.Config.Write(device, cap + PciConfigRegisters.DeviceControl, 2, PciConfigRegisters.InitiateFlr);
        return new(Result.Ok);
    }

    public ValueTask<Result> HotResetAsync(Bdf device, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Host.Capabilities.HotReset) return new(AdapterError.NotSupported("hot reset"));
        if (!Owns(device)) return new(AdapterError.NotFound($"{Name} does not own {device}"));
        // VFIO_DEVICE_PCI_HOT_RESET: every function in the reset scope must be in a group the caller holds.
        foreach (var other in Platform.Facts.HotResetScope(device))
        {
            var g = Platform.Facts.GroupOf(other);
            if (g is null || !_groups.Contains(g.Id)) return new(AdapterError.Invalid($"hot reset of {device} also resets {other}, whose group {Name} does not hold"));
        }
        // A platform that resets through firmware does it here; otherwise the parent bridge's Secondary Bus Reset
        // (PCI-to-PCI Bridge §3.2.5.17, as Linux pci_reset_secondary_bus).
        if (OnHotResetAsync(device, cancellationToken) is { } platformReset) return platformReset;
        // Enumeration, not an isolation decision: the reset scope (and so who must hold what) came from the platform's
        // facts above; here the driver only finds the bridge whose Bridge Control register performs the reset.
#pragma warning disable DAK001
        var bridge = Platform.Facts.Devices.FirstOrDefault(d => d.Kind.IsBridge() && Platform.Config.Read(d.Bdf, PciConfigRegisters.SecondaryBus, 1) == device.Bus && d.Bdf.Segment == device.Segment);
#pragma warning restore DAK001
        if (bridge is null) return new(AdapterError.NotSupported($"{device} has no parent bridge to reset"));
        uint control = Platform.Config.Read(bridge.Bdf, PciConfigRegisters.BridgeControl, 2);
        Platform.Config.Write(bridge.Bdf, PciConfigRegisters.BridgeControl, 2, control | PciConfigRegisters.SecondaryBusReset);
        Platform.Config.Write(bridge.Bdf, PciConfigRegisters.BridgeControl, 2, control & ~PciConfigRegisters.SecondaryBusReset);
        return new(Result.Ok);
    }

    /// <summary>Platform part of a hot reset, called once every function in its scope is known to be this owner's;
    /// null (the default) means the parent bridge's Secondary Bus Reset.</summary>
    protected virtual ValueTask<Result>? OnHotResetAsync(Bdf device, CancellationToken cancellationToken) => null;

    // ---- teardown -----------------------------------------------------------------------------

    public async ValueTask<Result> DestroyAsync(CancellationToken cancellationToken)
    {
        if (_destroyed) return Result.Ok;
        // Teardown goes on whatever a detach answers; the first failure is what DestroyAsync answers at the end.
        Result detached = Result.Ok;
        foreach (var g in _groups.ToList())
        {
            var r = await DetachGroupAsync(g, cancellationToken).ConfigureAwait(false);
            if (!r.IsOk && detached.IsOk) detached = r;
        }
        await OnDestroyAsync(cancellationToken).ConfigureAwait(false);
        // Free what backs the guest now: unpinned frames may have been migrated since they were allocated.
        var backing = CpuMap.Entries.Where(e => e.Kind == CpuMapKind.Ram).Select(e => e.HostPhysical).ToList();
        CpuMap.Clear();
        foreach (var f in backing)
        {
            if (Platform.Pages.IsPinned(f)) Platform.Pages.Unpin(f);
            Platform.Pages.Free(f);
        }
        _traps.Clear();
        _virtualMsix.Clear();
        _destroyed = true;
        Host.Forget(this);
        return detached;
    }

    /// <summary>Platform part of teardown (free tables). Groups are already detached.</summary>
    protected virtual ValueTask OnDestroyAsync(CancellationToken ct) => ValueTask.CompletedTask;
}
