using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Attach decides from function numbers that only function 0 needs a context entry, on the theory that the other
/// functions of a multifunction device issue DMA with function 0's requester ID (true behind a PCIe-to-PCI bridge,
/// false for PCIe functions, which each carry their own). The group's other functions are left outside the domain.
/// </summary>
[BreaksRequirement("GRP-002")]
[ExpectedDiagnostic("DAK001")]
public sealed class VtdAliasedFunctions : VtdVariantFactory
{
    protected override VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        protected internal override IEnumerable<Bdf> DomainMembers(IsolationGroup group) => group.Devices.Where(d => d.Function == 0).ToList();
    }
}
