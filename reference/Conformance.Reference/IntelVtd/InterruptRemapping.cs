using Conformance.Reference.Interrupts;
using Conformance.Reference.Platform;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §5.1 interrupt remapping: with GSTS.IRES clear interrupts pass unremapped; compatibility-format
/// interrupts pass only with CFIS set and EIME clear (else 0x25, as VirtualBox's model and the spec); remappable
/// ones are checked in the fault-condition order 0x20 (reserved request fields), 0x21 (index beyond the table),
/// 0x23 (IRTE fetch), then with the IRTE's FPD 0x22 (not present), 0x24 (reserved), 0x26 (source-id), and for a
/// posted-format IRTE 0x27 (descriptor access). QEMU checks the SHV data bits (0x20) last; the model checks every
/// request field first, as the spec lists it first.
/// </summary>
public sealed partial class VtdUnit
{
    public InterruptOutcome Remap(in MsiRequest request)
    {
        if (!X86MsiMessage.InWindow(request.Address))
            return InterruptOutcome.Blocked(0, $"address 0x{request.Address:x} is outside the interrupt window");

        var msi = new X86MsiMessage(request.Address, request.Data);
        // 1. Interrupt remapping off: the message is delivered as it is (compatibility format).
        if (!StatusHas(GlobalCommandBits.InterruptRemappingEnable))
            return InterruptOutcome.Delivered(msi.DestinationId, msi.Vector);

        var irq = new InterruptRequest(request.Address, request.Data);
        // 2. Compatibility format: only with CFIS set and EIME clear.
        if (!irq.Remappable)
        {
            if (StatusHas(GlobalCommandBits.CompatibilityFormatInterrupt) && !_irta.ExtendedInterruptMode)
                return InterruptOutcome.Delivered(msi.DestinationId, msi.Vector);
            return IrFault(VtdFaultReason.IrCompatibilityBlocked, request, 0, fpd: false,
                _irta.ExtendedInterruptMode ? "compatibility-format interrupt with IRTA.EIME set" : "compatibility-format interrupt with GSTS.CFIS clear");
        }

        // 3. Reserved fields of the request.
        int index = irq.Index;
        if (irq.HasReservedBits)
            return IrFault(VtdFaultReason.IrRequestReserved, request, index, fpd: false, $"reserved bits in interrupt request address 0x{request.Address:x} data 0x{request.Data:x}");
        // 4. The index must be inside the table.
        if (index >= _irta.Entries)
            return IrFault(VtdFaultReason.IrIndexOverflow, request, index, fpd: false, $"index {index} is beyond the {_irta.Entries}-entry table");

        // 5. The IRTE: interrupt entry cache, else the table.
        if (!InterruptEntryCache.TryGet(index, out var irte))
        {
            ulong at = _irta.Address + (ulong)index * Irte.Size;
            if (!_memory.TryReadLe64(at, out ulong lo) || !_memory.TryReadLe64(at + 8, out ulong hi))
                return IrFault(VtdFaultReason.IrTableAccessError, request, index, fpd: false, $"IRTE {index} at 0x{at:x} is not backed");
            irte = new Irte(lo, hi);
            bool postedSupported = Capability.PostedInterrupts;
            // 6. Present, 7. no reserved bits; only such entries are cached.
            if (!irte.Present)
                return IrFault(VtdFaultReason.IrEntryNotPresent, request, index, irte.FaultProcessingDisable, $"IRTE {index} is not present");
            if (irte.HasReservedBits(_irta.ExtendedInterruptMode, postedSupported))
                return IrFault(VtdFaultReason.IrEntryReserved, request, index, irte.FaultProcessingDisable, $"IRTE {index} 0x{hi:x16}_{lo:x16} has reserved bits set");
            InterruptEntryCache.Insert(index, irte);
        }

        // 8. Source-id validation.
        if (!irte.SourceMatches(request.RequesterId))
            return IrFault(VtdFaultReason.IrSourceIdInvalid, request, index, irte.FaultProcessingDisable,
                $"requester 0x{request.RequesterId:x4} fails SVT {(int)irte.SourceValidation} SQ {irte.SourceIdQualifier} SID 0x{irte.SourceId:x4}");

        // 9. Posted format: post to the descriptor.
        if (irte.Posted)
        {
            ulong pda = irte.PostedDescriptorAddress;
            if (!PostedInterruptDescriptor.TryPost(_memory, pda, irte.Vector, irte.Urgent, _irta.ExtendedInterruptMode, out var notify))
                return IrFault(VtdFaultReason.IrPostedDescriptorAccessError, request, index, irte.FaultProcessingDisable, $"posted-interrupt descriptor at 0x{pda:x} is not backed");
            if (notify is { } n) _interrupts.Deliver(n.Destination, n.Vector, request.RequesterId);
            return InterruptOutcome.Posted(pda, irte.Vector);
        }

        // 10. Remapped: the IRTE's destination and vector.
        return InterruptOutcome.Delivered(irte.DestinationId(_irta.ExtendedInterruptMode), irte.Vector);
    }

    private InterruptOutcome IrFault(VtdFaultReason reason, in MsiRequest request, int index, bool fpd, string why)
    {
        RecordInterruptFault(reason, request.RequesterId, index, fpd);
        return InterruptOutcome.Blocked((int)reason, why);
    }
}
