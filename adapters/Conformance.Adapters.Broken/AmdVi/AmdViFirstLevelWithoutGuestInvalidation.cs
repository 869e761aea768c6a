using Conformance.Adapters.AmdVi;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.Broken.AmdVi;

/// <summary>
/// The guest's first-level invalidation returns without INVALIDATE_IOMMU_PAGES (GN = 1, PASID 0) and COMPLETION_WAIT
/// (AMD IOMMU spec §2.4.3): the unit keeps serving DMA from the guest translations it cached before the guest changed
/// its tables.
/// </summary>
[BreaksRequirement("NEST-002")]
[StaticallyInvisible("The guest, not the adapter, clears its first-level entries (CPU stores into guest memory); " +
    "the adapter's method only forgets to invalidate, which no clear in its own code precedes.")]
public sealed class AmdViFirstLevelWithoutGuestInvalidation : AmdViVariantFactory
{
    protected override AmdViGuest NewGuest(AmdViAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(AmdViAdapter host, GuestConfig config) : AmdViGuest(host, config)
    {
        public override ValueTask<Result> InvalidateFirstLevelAsync(Bdf device, ulong iova, ulong size, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Owns(device)) return new(AdapterError.NotFound($"{device} is not owned by {Name}"));
            return new(Result.Ok); // the GN = 1 invalidation is skipped
        }
    }
}
