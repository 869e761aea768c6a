using Conformance.Adapters.Platform;

namespace Conformance.Adapters.IntelVtd;

/// <summary>
/// The Intel VT-d reference adapter (platform <c>intel-vtd</c>): a small VT-d driver in legacy translation mode
/// with interrupt remapping, programmed only through the unit's registers and tables in host memory.
/// <paramref name="allowUnsafeInterrupts"/> is VFIO type1's <c>allow_unsafe_interrupts</c>: without it, attaching
/// a group is refused (Permission) on a unit without interrupt remapping (ECAP.IR = 0).
/// </summary>
public class VtdAdapterFactory(bool allowUnsafeInterrupts) : IAdapterFactory
{
    public VtdAdapterFactory() : this(false) { }

    public virtual string Name => allowUnsafeInterrupts ? "intel-vtd-unsafe-interrupts" : "intel-vtd";
    public string Platform => "intel-vtd";
    public bool AllowUnsafeInterrupts => allowUnsafeInterrupts;

    public AdapterCapabilities Capabilities { get; } = new()
    {
        DmaModels = DmaModels.FullSpace,
        GuestFace = GuestFaceKind.Identity,
        HotReset = true,
    };

    public IHostAdapter Create(IPlatformAccess platform) => CreateAdapter(platform);

    /// <summary>Builds the host adapter; broken variants in the kit's tests override this.</summary>
    protected virtual VtdAdapter CreateAdapter(IPlatformAccess platform) => new(platform, Capabilities, allowUnsafeInterrupts);
}
