using Conformance.Adapters.AmdVi;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.AmdVi;

/// <summary>
/// One interrupt remapping table for every device (a VT-d habit: one global table), with AMD-Vi's IRTEs that carry no
/// source ID: every assigned device's DTE points at the same table, so any of them can name another owner's IRTE
/// in its MSI data and interrupt that owner's vCPUs (AMD IOMMU spec §2.2.5: isolation comes from per-device tables).
/// </summary>
[BreaksRequirement("AMDVI-003")]
[StaticallyInvisible("Which table a DTE points at is a value computed at run time; that two owners' devices end up " +
    "sharing one is a property of the table bookkeeping, not of an expression a rule can point at.")]
public sealed class AmdViSharedInterruptTable : AmdViVariantFactory
{
    protected override AmdViAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : AmdViAdapter(platform, capabilities)
    {
        private static readonly Bdf TheTable = new(0, 0, 0, 0);

        protected internal override Bdf InterruptTableKey(DeviceFacts device) => TheTable;
    }
}
