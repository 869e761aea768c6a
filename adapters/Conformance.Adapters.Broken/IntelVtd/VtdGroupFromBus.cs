using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Attach decides the domain's members from bus numbers: every function on a bus the group touches is put into the
/// domain, on the theory that "devices behind one bridge cannot be isolated anyway". It takes functions of other
/// groups (other owners' devices) into this owner's domain: with 06:00.0 and 06:00.1 (two groups on one bus) held by
/// two owners, the second attach points both functions at the second owner's domain.
/// </summary>
[BreaksRequirement("GRP-003")]
[ExpectedDiagnostic("DAK001")]
public sealed class VtdGroupFromBus : VtdVariantFactory
{
    protected override VtdAdapter NewHost(IPlatformAccess platform, AdapterCapabilities capabilities) => new Host(platform, capabilities);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : VtdAdapter(platform, capabilities, allowUnsafeInterrupts: false)
    {
        protected internal override IEnumerable<Bdf> DomainMembers(IsolationGroup group) =>
            Platform.Facts.Devices.Select(d => d.Bdf).Where(d => group.Devices.Any(member => member.Bus == d.Bus)).ToList();
    }
}
