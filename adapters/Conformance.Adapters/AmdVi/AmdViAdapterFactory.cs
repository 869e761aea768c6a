using Conformance.Adapters.Platform;

namespace Conformance.Adapters.AmdVi;

/// <summary>
/// The AMD-Vi reference adapter (platform <c>amd-vi</c>): a small AMD IOMMU driver with v1 (host) page tables and
/// per-device interrupt remapping, programmed only through the units' registers, command buffers and tables in
/// host memory, as Linux drivers/iommu/amd does for a VFIO (type1) domain.
/// </summary>
public class AmdViAdapterFactory : IAdapterFactory
{
    public virtual string Name => "amd-vi";
    public string Platform => "amd-vi";

    public AdapterCapabilities Capabilities { get; } = new()
    {
        DmaModels = DmaModels.FullSpace | DmaModels.Nested, // nested where the units report EFR.GTSup (the suite's amd-vi platform sets gt)
        GuestFace = GuestFaceKind.Identity,
        HotReset = true,
    };

    public IHostAdapter Create(IPlatformAccess platform) => CreateAdapter(platform);

    /// <summary>Builds the host adapter; broken variants in the kit's tests override this.</summary>
    protected virtual AmdViAdapter CreateAdapter(IPlatformAccess platform) => new(platform, Capabilities);
}
