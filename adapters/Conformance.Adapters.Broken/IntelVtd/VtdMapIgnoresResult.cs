using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// A tracing wrapper around map counts the bytes mapped and answers success whatever the driver's map said: a
/// misaligned, overlapping or out-of-range map is "done" although nothing was mapped.
/// </summary>
[BreaksRequirement("DMA-005")]
[ExpectedDiagnostic("DAK005")]
public sealed class VtdMapIgnoresResult : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        public ulong BytesMapped { get; private set; }

        public override async ValueTask<Result> MapAsync(ulong iova, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken)
        {
            await base.MapAsync(iova, guestPhysical, size, access, cancellationToken).ConfigureAwait(false);
            BytesMapped += size;
            return Result.Ok;
        }
    }
}
