using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Every domain gets DID 1 (a driver written for one guest): two owners' translations share IOTLB tags, so one owner's
/// cached translations serve the other's devices (VT-d §6.2.1: the IOTLB is tagged by DID).
/// </summary>
[BreaksRequirement("VTD-002")]
[StaticallyInvisible("A domain ID is a value the allocator returns; whether two live domains hold the same one is a " +
    "property of the allocator's state over time (injectivity), not of any expression a rule can point at.")]
public sealed class VtdSharedDomainId : VtdVariantFactory
{
    protected override VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        private const ushort TheDomain = 1;

        protected internal override ushort? AllocateDomainId() => TheDomain;

        protected internal override void FreeDomainId(ushort did)
        {
            // one domain for everyone: nothing to give back
        }
    }
}
