using Conformance.Adapters.Common;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Unmap clears the entries and waits for an IOTLB invalidation, but the descriptor names the wrong domain: the
/// driver keeps its domains in an array indexed from 0 and DIDs start at 1 (DID 0 is left unused), and it passes
/// the index where the DID belongs. The unit flushes another domain's entries and keeps this one's.
/// </summary>
[BreaksRequirement("DMA-003")]
[BreaksRequirement("VTD-001")]
[StaticallyInvisible("The clear is followed by an invalidation, which is all DAK007 can ask. The descriptor's DID is a " +
    "run-time value; that it is not the DID of the domain whose table was cleared is a relation between data (the " +
    "context entry's DID and its table root) that no rule tracks.")]
public sealed class VtdInvalidatesWrongDomain : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        private const ulong Page = HostPageAllocator.PageSize;
        private readonly VtdAdapter _host = host;

        /// <summary>The slot of this domain in the driver's domain array.</summary>
        private ushort DomainIndex => (ushort)(DomainId - 1);

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
                        throw new InvalidOperationException($"the table page holding IOVA 0x{m.Key + o:x} is not backed");
                }
                Mappings.Remove(m.Key);
                unmapped += m.Value;
            }
            // The defect: the index, not the DID.
            if (!_host.Invalidate([VtdDescriptors.Iotlb(2, DomainIndex)]))
                return new(new AdapterError(AdapterErrorKind.Io, "the IOTLB invalidation did not complete"));
            return new(unmapped);
        }
    }
}
