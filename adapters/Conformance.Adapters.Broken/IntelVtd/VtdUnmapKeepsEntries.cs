using Conformance.Adapters.Common;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Unmap forgets the mapping, invalidates the domain's IOTLB and reports the bytes unmapped, but never clears the
/// second-level entries: the next walk finds them again. The test IOMMU's former SkipUnmap flaw, on VT-d.
/// </summary>
[BreaksRequirement("DMA-003")]
[BreaksRequirement("DMA-010")]
[StaticallyInvisible("Nothing is cleared, so DAK007 has no clear to follow; the defect is a table write that is absent. " +
    "Which entries an unmap must clear is decided by the page walk over run-time values (IOVA to entry address), and no " +
    "rule can tell an unmap that forgot its entries from one whose entries are cleared elsewhere.")]
public sealed class VtdUnmapKeepsEntries : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        private const ulong Page = HostPageAllocator.PageSize;
        private readonly VtdAdapter _host = host;

        public override ValueTask<Result<ulong>> UnmapAsync(ulong iova, ulong size, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Type1Mappings.SelectUnmap(Mappings, iova, size, Page, out var hit) is { } refused) return new(refused);
            ulong unmapped = 0;
            foreach (var m in hit)
            {
                // The defect: the bookkeeping goes, the entries stay.
                Mappings.Remove(m.Key);
                unmapped += m.Value;
            }
            if (hit.Count > 0 && !_host.Invalidate([VtdDescriptors.Iotlb(2, DomainId)]))
                return new(new AdapterError(AdapterErrorKind.Io, "the IOTLB invalidation did not complete"));
            return new(unmapped);
        }
    }
}
