using Conformance.Adapters.AmdVi;
using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.AmdVi;

/// <summary>
/// The AMD-Vi reference adapter with one variant's host (<see cref="NewHost"/>) or guest (<see cref="NewGuest"/>). The
/// name is the variant's class name in kebab case (<c>AmdViSharedDomainId</c> → <c>broken-amd-vi-shared-domain-id</c>).
/// </summary>
public abstract class AmdViVariantFactory : AmdViAdapterFactory
{
    public override string Name => VariantNames.Of(GetType());

    protected sealed override AmdViAdapter CreateAdapter(IPlatformAccess platform) => NewHost(platform, Capabilities);

    /// <summary>The host adapter; by default the reference one, with <see cref="NewGuest"/>'s guests.</summary>
    protected virtual AmdViAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(this, platform, capabilities);

    /// <summary>One owner; by default the reference guest.</summary>
    protected virtual AmdViGuest NewGuest(AmdViAdapter host, GuestConfig config) => new(host, config);

    private sealed class Host(AmdViVariantFactory factory, IPlatformAccess platform, AdapterCapabilities capabilities) : AmdViAdapter(platform, capabilities)
    {
        protected override GuestBase NewGuest(GuestConfig config) => factory.NewGuest(this, config);
    }
}
