using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Platform;

namespace Conformance.Adapters.Broken.IntelVtd;

/// <summary>
/// Guest memory is mapped for DMA but never pinned: the host may migrate a page under a live translation, and the
/// device then writes to a frame that belongs to someone else. The test IOMMU's former NoPin flaw, on VT-d.
/// </summary>
[BreaksRequirement("DMA-008")]
[StaticallyInvisible("Pinning is a call the kit's host services make (GuestBase), and a guest may rightly not pin " +
    "(fault-backed memory with I/O page faults). Whether this guest had to pin depends on the backing it was created " +
    "with at run time, so no rule can flag the missing pin.")]
public sealed class VtdUnpinnedMemory : VtdVariantFactory
{
    protected override VtdGuest NewGuest(VtdAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(VtdAdapter host, GuestConfig config) : VtdGuest(host, config)
    {
        protected override bool PinsMemory => false;
    }
}
