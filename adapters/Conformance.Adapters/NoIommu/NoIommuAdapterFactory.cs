using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.NoIommu;

/// <summary>
/// The negative control for platform <c>none</c>: the VFIO NOIOMMU idea (facts §1.2: vfio_noiommu_open, "taints the
/// kernel"). Devices are assigned with no IOMMU: nothing translates or blocks their DMA, and a guest must give its
/// device host physical addresses. It does everything else a careful adapter does (whole groups, one owner,
/// pinned memory below 4 GiB, MSI-X table trapped, sub-page BARs never mapped, resets with the ownership rule,
/// clean teardown), so the suite shows exactly which requirements only an IOMMU can meet.
/// </summary>
public sealed class NoIommuAdapterFactory : IAdapterFactory
{
    public string Name => "noiommu";
    public string Platform => "none";

    public AdapterCapabilities Capabilities { get; } = new()
    {
        DmaModels = DmaModels.None,
        GuestFace = GuestFaceKind.HostPhysical,
        HotReset = true,
    };

    public IHostAdapter Create(IPlatformAccess platform) => new NoIommuAdapter(platform, Capabilities);
}

/// <summary>The NOIOMMU host adapter.</summary>
public sealed class NoIommuAdapter(IPlatformAccess platform, AdapterCapabilities capabilities) : HostAdapterBase(platform, capabilities)
{
    protected override GuestBase NewGuest(GuestConfig config) => new NoIommuGuest(this, config);
}

/// <summary>One NOIOMMU owner. Attach and detach have no DMA part: there is no IOMMU to program.</summary>
public sealed class NoIommuGuest : GuestBase, IHostPhysicalFace
{
    public NoIommuGuest(HostAdapterBase host, GuestConfig config) : base(host, config) { }

    public override IGuestFace Face => this;

    public GuestFaceKind Kind => GuestFaceKind.HostPhysical;

    /// <summary>Without an IOMMU a device reaches only what its DMA mask covers, so guest memory comes from below 4 GiB.</summary>
    protected override ulong MemoryLimit => 1UL << 32;

    /// <summary>A device needs bus-contiguous buffers and here bus = host physical: one contiguous block, as DPDK takes hugepages.</summary>
    protected override bool PhysicallyContiguous => true;

    /// <summary>What a NOIOMMU user reads from /proc/self/pagemap.</summary>
    public Result<ulong> HostPhysicalOf(ulong guestPhysical) =>
        CpuMap.Translate(guestPhysical) is { } hpa && CpuMap.Lookup(guestPhysical)!.Value.Kind == CpuMapKind.Ram
            ? hpa
            : AdapterError.NotFound($"guest-physical 0x{guestPhysical:x} is not RAM of {Name}");

    protected override ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct) => new(Result.Ok);

    protected override ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct) => new(Result.Ok);
}
