using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Attach programs a context entry for each function's own requester ID only, ignoring the DMA aliases the platform
/// reports (Linux before pci_for_each_dma_alias: domain_context_mapping without the alias walk). Functions behind a
/// PCIe-to-PCI bridge DMA as the bridge's alias (secondary bus, devfn 0), whose context entry stays not present: their
/// DMA faults although the whole group is attached, and their owner cannot use them.
/// </summary>
[BreaksRequirement("GRP-002")]
[StaticallyInvisible("The defect is an omission in runtime data: the adapter programs a list of requester IDs, which " +
    "is the correct shape; that the list is the function itself rather than the platform's alias list is a value, " +
    "not a topology decision (no bus, bridge or ACS fact is compared), so no policy rule can tell the two apart.")]
public sealed class VtdOwnRequesterIdOnly : VtdVariantFactory
{
    protected override VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        /// <summary>Only the function's own requester ID: the aliases in the facts are never programmed.</summary>
        protected internal override IEnumerable<Bdf> ContextRequesters(Bdf device) => [device];
    }
}
