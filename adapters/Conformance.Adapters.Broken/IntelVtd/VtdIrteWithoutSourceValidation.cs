using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// IRTEs are written with the SID but SVT = 00 (no verification, VT-d §9.10): any requester that learns the handle
/// can raise the owner's interrupt.
/// </summary>
[BreaksRequirement("VTD-003")]
[StaticallyInvisible("The IRTE's upper qword is a number assembled from shifts; that bits 19:18 (SVT) are zero is a " +
    "fact of VT-d's entry format. The policy rules are platform-neutral and leave platform code's bit patterns alone " +
    "(DAK003 exempts it); a rule would have to model each platform's table formats to see a missing field.")]
public sealed class VtdIrteWithoutSourceValidation : VtdVariantFactory
{
    protected override VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        /// <summary>SID only: SQ and SVT left at zero.</summary>
        protected internal override ulong SourceValidation(Bdf device) => device.RequesterId;
    }
}
