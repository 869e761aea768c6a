using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;

namespace Conformance.Adapters.Broken.Power;

/// <summary>The sPAPR reference adapter with one variant's guest (<see cref="NewGuest"/>).</summary>
public abstract class SpaprVariantFactory : SpaprAdapterFactory
{
    public override string Name => VariantNames.Of(GetType());

    protected sealed override SpaprAdapter CreateAdapter(IPlatformAccess platform) => new Host(this, platform, Capabilities);

    /// <summary>One guest; by default the reference guest.</summary>
    protected virtual SpaprGuest NewGuest(SpaprAdapter host, GuestConfig config) => new(host, config);

    private sealed class Host(SpaprVariantFactory factory, IPlatformAccess platform, AdapterCapabilities capabilities) : SpaprAdapter(platform, capabilities)
    {
        protected override SpaprGuest NewSpaprGuest(GuestConfig config) => factory.NewGuest(this, config);
    }
}
