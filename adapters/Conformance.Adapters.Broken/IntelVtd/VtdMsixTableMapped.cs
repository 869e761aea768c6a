using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// BAR pages are mapped straight into the guest except sub-page BARs; the MSI-X table and PBA pages are mapped too,
/// although VT-d's adapter does not declare the table mappable: the guest writes its physical MSI-X entries.
/// </summary>
[BreaksRequirement("BAR-002")]
[ExpectedDiagnostic("DAK004")]
public sealed class VtdMsixTableMapped : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        protected override bool MayMapPage(DeviceFacts device, BarFacts bar, ulong offset) =>
            bar.Size >= HostPageAllocator.PageSize || Host.Capabilities.SubPageBarMapping;
    }
}
