using Conformance.Adapters.Common;
using Conformance.Adapters.AmdVi;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.AmdVi;

/// <summary>
/// Unmap clears the v1 PTEs and returns without INVALIDATE_IOMMU_PAGES and COMPLETION_WAIT (AMD IOMMU spec §2.4.3):
/// the unit keeps translating the unmapped pages from its IOTLB.
/// </summary>
[BreaksRequirement("DMA-003")]
[BreaksRequirement("AMDVI-001")]
[ExpectedDiagnostic("DAK007")]
public sealed class AmdViUnmapWithoutInvalidation : AmdViVariantFactory
{
    protected override AmdViGuest NewGuest(AmdViAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(AmdViAdapter host, GuestConfig config) : AmdViGuest(host, config)
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
                        return new(new AdapterError(AdapterErrorKind.Io, $"the PTE for IOVA 0x{m.Key + o:x} is not backed"));
                }
                Mappings.Remove(m.Key);
                unmapped += m.Value;
            }
            // The defect: the PTEs are clear in memory, but no command tells the unit; its IOTLB still holds them.
            return new(unmapped);
        }
    }
}
