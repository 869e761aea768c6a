using Conformance.Adapters.Common;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// The VT-d reference adapter with one variant's host (<see cref="NewHost"/>) or guest (<see cref="NewGuest"/>). The
/// name is the variant's class name in kebab case (<c>VtdSplitGroup</c> → <c>broken-vtd-split-group</c>).
/// </summary>
public abstract class VtdVariantFactory : VtdAdapterFactory
{
    protected VtdVariantFactory() : base(false) { }

    public override string Name => VariantNames.Of(GetType());

    protected sealed override VtdAdapter CreateAdapter(IPlatformAccess platform) => NewHost(platform, Capabilities);

    /// <summary>The host adapter; by default the reference one, with <see cref="NewGuest"/>'s guests.</summary>
    protected virtual VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(this, platform, capabilities);

    /// <summary>One owner; by default the reference guest.</summary>
    protected virtual VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new(host, config);

    private sealed class Host(VtdVariantFactory factory, IPlatformAccess platform, AdapterCapabilities capabilities)
        : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        protected override GuestBase NewGuest(GuestConfig config) => factory.NewGuest(this, config);
    }
}
