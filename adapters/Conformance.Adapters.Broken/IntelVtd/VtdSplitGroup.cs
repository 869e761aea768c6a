using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Attach points only the group's first function at the domain (the function the user named), leaving the others
/// with no context entry: the group is split. The test IOMMU's former SplitGroup flaw, and VT-d's.
/// </summary>
[BreaksRequirement("GRP-002")]
[ExpectedDiagnostic("DAK002")]
public sealed class VtdSplitGroup : VtdVariantFactory
{
    protected override VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        protected internal override IEnumerable<Bdf> DomainMembers(IsolationGroup group) => [group.Devices[0]];
    }
}
