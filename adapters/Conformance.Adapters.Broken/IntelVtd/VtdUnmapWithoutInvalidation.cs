using Conformance.Adapters.Common;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Unmap clears the second-level entries and returns without invalidating the IOTLB (VT-d §6.5.2.3 requires the
/// invalidation before the IOVA may be reused): the unit keeps translating the unmapped pages from its cache. The
/// test IOMMU's former StaleTranslation flaw and the VT-d MissedIotlbInvalidation flaw are this variant.
/// </summary>
[BreaksRequirement("DMA-003")]
[BreaksRequirement("VTD-001")]
[ExpectedDiagnostic("DAK007")]
public sealed class VtdUnmapWithoutInvalidation : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        private const ulong Page = HostPageAllocator.PageSize;

        public override ValueTask<Result<ulong>> UnmapAsync(ulong iova, ulong size, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Type1Mappings.SelectUnmap(Mappings, iova, size, Page, out var hit) is { } refused) return new(refused);
            ulong unmapped = 0;
            foreach (var m in hit)
            {
                for (ulong o = 0; o < m.Value; o += Page)
                {
                    if (Leaf(m.Key + o, create: false) is { } leaf && !Platform.Memory.TryWriteLe(leaf, 8, 0))
                        return new(new AdapterError(AdapterErrorKind.Io, $"the entry for IOVA 0x{m.Key + o:x} is not backed"));
                }
                Mappings.Remove(m.Key);
                unmapped += m.Value;
            }
            // The defect: the entries are clear in memory, but nothing tells the unit; its IOTLB still holds them.
            return new(unmapped);
        }
    }
}
