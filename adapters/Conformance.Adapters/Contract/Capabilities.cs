namespace Conformance.Adapters;

/// <summary>The DMA models an adapter's host face offers (architecture.md capabilities table).</summary>
[Flags]
public enum DmaModels
{
    None = 0,
    /// <summary>A full per-domain IOVA space with map/unmap of ranges (VT-d, AMD-Vi; VFIO type1, iommufd IOAS).</summary>
    FullSpace = 1,
    /// <summary>DMA windows with a TCE per IO page (POWER; VFIO sPAPR TCE v2, H_PUT_TCE).</summary>
    Windowed = 2,
    /// <summary>A guest-owned first level over a host second level (AMD-Vi two-level, VT-d scalable nested).</summary>
    Nested = 4,
}

/// <summary>What the platform lets a guest use to make its memory visible to its device (architecture.md "Two faces").</summary>
public enum GuestFaceKind
{
    /// <summary>No IOMMU at all (VFIO NOIOMMU): the guest must give devices host physical addresses.</summary>
    HostPhysical,
    /// <summary>Nothing: all of guest memory is mapped 1:1, bus address = guest-physical address.</summary>
    Identity,
    /// <summary>Paravirt calls: H_PUT_TCE/H_STUFF_TCE/H_GET_TCE into the guest's window (POWER).</summary>
    ParavirtTce,
    /// <summary>An emulated IOMMU whose tables the guest writes itself (AMD two-level: guest tables under the host's).</summary>
    EmulatedIommu,
}

/// <summary>
/// Capabilities an adapter declares. They unlock optional behaviour (a requirement needing one the adapter lacks
/// ends NotSupported). They never excuse isolation: every permissive capability pairs with a requirement binding
/// adapters without it, and isolation requirements need none (architecture.md).
/// </summary>
public sealed record AdapterCapabilities
{
    public DmaModels DmaModels { get; init; }
    public GuestFaceKind GuestFace { get; init; }
    /// <summary>The MSI-X table page may be mapped into the guest (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, facts §1.7).</summary>
    public bool MsixTableMappable { get; init; }
    /// <summary>A BAR smaller than a page may be mapped (safe where MMIO is segmented per PE, or the rest of the page is reserved).</summary>
    public bool SubPageBarMapping { get; init; }
    /// <summary>Guest memory may be fault-backed (I/O page faults: PRI/PPR) instead of pinned.</summary>
    public bool IoPageFaults { get; init; }
    /// <summary>PE error state and recovery (POWER EEH: freeze, unfreeze, reset, configure).</summary>
    public bool PeErrorRecovery { get; init; }
    /// <summary>Hot (secondary bus) reset of a device whose reset scope spans groups.</summary>
    public bool HotReset { get; init; }

    /// <summary>Capability names as the spec writes them (spec/README.md "Capabilities").</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var n = new List<string>();
            if (DmaModels.HasFlag(DmaModels.FullSpace)) n.Add(CapabilityNames.DmaFullSpace);
            if (DmaModels.HasFlag(DmaModels.Windowed)) n.Add(CapabilityNames.DmaWindowed);
            if (DmaModels.HasFlag(DmaModels.Nested)) n.Add(CapabilityNames.DmaNested);
            if (MsixTableMappable) n.Add(CapabilityNames.MsixTableMappable);
            if (SubPageBarMapping) n.Add(CapabilityNames.BarSubPage);
            if (IoPageFaults) n.Add(CapabilityNames.MemFaultBacked);
            if (PeErrorRecovery) n.Add(CapabilityNames.PeRecovery);
            if (HotReset) n.Add(CapabilityNames.ResetHot);
            n.Add(GuestFace switch
            {
                GuestFaceKind.HostPhysical => CapabilityNames.FaceHostPhysical,
                GuestFaceKind.Identity => CapabilityNames.FaceIdentity,
                GuestFaceKind.ParavirtTce => CapabilityNames.FaceParavirtTce,
                _ => CapabilityNames.FaceEmulatedIommu,
            });
            return n;
        }
    }

    public bool Has(string capability) => Names.Contains(capability, StringComparer.Ordinal);
}

/// <summary>The capability vocabulary shared by the spec, the generated suite and the reports.</summary>
public static class CapabilityNames
{
    public const string DmaFullSpace = "dma.full-space";
    public const string DmaWindowed = "dma.windowed";
    public const string DmaNested = "dma.nested";
    public const string MsixTableMappable = "msix.table-mappable";
    public const string BarSubPage = "bar.sub-page";
    public const string MemFaultBacked = "mem.fault-backed";
    public const string PeRecovery = "pe.recovery";
    public const string ResetHot = "reset.hot";
    public const string FaceHostPhysical = "face.host-physical";
    public const string FaceIdentity = "face.identity";
    public const string FaceParavirtTce = "face.paravirt-tce";
    public const string FaceEmulatedIommu = "face.emulated-iommu";

    public static IReadOnlyList<string> All { get; } =
    [
        DmaFullSpace, DmaWindowed, DmaNested, MsixTableMappable, BarSubPage, MemFaultBacked, PeRecovery, ResetHot,
        FaceHostPhysical, FaceIdentity, FaceParavirtTce, FaceEmulatedIommu,
    ];
}
