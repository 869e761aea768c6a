using Conformance.Adapters.AmdVi;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.AmdVi;

/// <summary>
/// Every protection domain gets DomainID 1 (a driver written for one guest): two owners' translations share IOTLB
/// tags, so one owner's cached translations serve the other's devices (AMD IOMMU spec §2.2.2: the DomainID tags the IOTLB).
/// </summary>
[BreaksRequirement("AMDVI-002")]
[StaticallyInvisible("A domain ID is a value the allocator returns; whether two live domains hold the same one is a " +
    "property of the allocator's state over time (injectivity), not of any expression a rule can point at.")]
public sealed class AmdViSharedDomainId : AmdViVariantFactory
{
    protected override AmdViAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : AmdViAdapter(platform, capabilities)
    {
        private const ushort TheDomain = 1;

        protected internal override ushort? AllocateDomainId() => TheDomain;

        protected internal override void FreeDomainId(ushort domainId)
        {
            // one domain for everyone: nothing to give back
        }
    }
}
