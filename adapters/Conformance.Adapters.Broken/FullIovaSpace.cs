using Conformance.Adapters.Broken.IntelVtd;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken;

/// <summary>
/// Platform-neutral guest code that assumes every IOMMU translates a full 64-bit IOVA space and reports it so,
/// instead of asking the unit (VT-d: MGAW and the interrupt window; POWER: the DMA windows). Put on VT-d, it reports
/// and accepts IOVAs the 4-level table cannot hold (above 2^48 they alias low entries) and the interrupt window.
/// </summary>
[BreaksRequirement("DMA-006")]
[ExpectedDiagnostic("DAK003")]
public sealed class FullIovaSpace : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        public override IReadOnlyList<IovaRange> IovaRanges { get; } = [new IovaRange(0, ulong.MaxValue)];
    }
}
