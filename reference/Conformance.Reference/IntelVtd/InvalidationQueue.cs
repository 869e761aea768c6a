using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §6.5.2 invalidation descriptor types (type 3:0, with 11:9 as type 6:4).</summary>
public enum InvalidationDescriptorType
{
    ContextCache = 1,
    Iotlb = 2,
    DeviceIotlb = 3,
    InterruptEntryCache = 4,
    Wait = 5,
    PasidIotlb = 6,
    PasidCache = 7,
    PasidDeviceIotlb = 8,
}

/// <summary>VT-d spec §6.5.2 a 128-bit invalidation descriptor.</summary>
public readonly record struct InvalidationDescriptor(ulong Lo, ulong Hi)
{
    public const int Size = 16;
    public int Type => (int)((Lo & 0xF) | (((Lo >> 9) & 7) << 4));
    public int Granularity => (int)((Lo >> 4) & 3);
    public ushort DomainId => (ushort)(Lo >> 16);
}

/// <summary>
/// VT-d spec §6.5.2 Queued Invalidation: IQA (base, QS: 2^(QS+8) 128-bit descriptors), IQH (19:4, the next
/// descriptor the hardware will fetch), IQT (18:4, written by software). The queue is processed only when the
/// clock ticks (<see cref="Tick"/>), up to the given number of descriptors. A descriptor the unit cannot process
/// (unknown type, reserved bits, bad granularity, a fetch or status write to unbacked memory, a tail beyond the
/// queue) sets FSTS.IQE, raises a fault event, and stops the queue with IQH on that descriptor until software clears IQE.
/// Fences (wait FN) need no extra work: every descriptor completes before the next is fetched.
/// </summary>
public sealed partial class VtdUnit
{
    private ulong _queueBase;
    private int _queueEntries;
    private bool _lastDescriptorWasWait = true;

    /// <summary>Descriptors processed since reset (observation for tests).</summary>
    public int DescriptorsProcessed { get; private set; }

    private void EnableQueuedInvalidation()
    {
        ulong iqa = _regs.Get64(InvalidationQueueAddress);
        _queueBase = iqa & ~0xFFFUL;
        _queueEntries = 1 << ((int)(iqa & 7) + 8);
        _lastDescriptorWasWait = true;
        SetStatus(GlobalCommandBits.QueuedInvalidationEnable, true);
    }

    /// <summary>§10.4.4 QIE: disabling completes only with the queue empty and the last descriptor a wait descriptor.</summary>
    private void DisableQueuedInvalidation()
    {
        if (QueueHead != QueueTail || !_lastDescriptorWasWait) return;
        _regs.Set64(InvalidationQueueHead, 0);
        SetStatus(GlobalCommandBits.QueuedInvalidationEnable, false);
    }

    private int QueueHead => (int)((_regs.Get64(InvalidationQueueHead) >> 4) & 0x7FFF);
    private int QueueTail => (int)((_regs.Get64(InvalidationQueueTail) >> 4) & 0x7FFF);

    /// <summary>Processes up to <paramref name="count"/> queued descriptors; returns how many completed.</summary>
    public int Tick(int count)
    {
        int done = 0;
        while (done < count)
        {
            if (!StatusHas(GlobalCommandBits.QueuedInvalidationEnable)) break;
            if ((_regs.Get32(VtdRegisterOffsets.FaultStatus) & (uint)FaultStatusBits.InvalidationQueueError) != 0) break;
            int head = QueueHead, tail = QueueTail;
            if (head == tail) break;
            if (tail >= _queueEntries || head >= _queueEntries) { QueueError(); break; }

            ulong at = _queueBase + (ulong)head * InvalidationDescriptor.Size;
            if (!_memory.TryReadLe64(at, out ulong lo) || !_memory.TryReadLe64(at + 8, out ulong hi)) { QueueError(); break; }
            var d = new InvalidationDescriptor(lo, hi);
            if (!Process(d)) { QueueError(); break; }

            _lastDescriptorWasWait = d.Type == (int)InvalidationDescriptorType.Wait;
            _regs.Set64(InvalidationQueueHead, (ulong)((head + 1) % _queueEntries) << 4);
            DescriptorsProcessed++;
            done++;
        }
        return done;
    }

    private void QueueError()
    {
        uint before = _regs.Get32(VtdRegisterOffsets.FaultStatus);
        _regs.SetBits32(VtdRegisterOffsets.FaultStatus, (uint)FaultStatusBits.InvalidationQueueError, 0);
        GenerateFaultEvent(before);
    }

    /// <summary>Performs one descriptor; false when it is invalid (reserved-bit masks as QEMU's VTD_INV_DESC_*_RSVD).</summary>
    private bool Process(InvalidationDescriptor d)
    {
        switch ((InvalidationDescriptorType)d.Type)
        {
            case InvalidationDescriptorType.ContextCache:
            {
                // §6.5.2.1: G 5:4, DID 31:16, SID 47:32, FM 49:48.
                if ((d.Lo & 0xFFFC_0000_0000_F1C0UL) != 0 || d.Hi != 0) return false;
                var g = (ContextInvalidationGranularity)d.Granularity;
                return InvalidateContextCache(g, d.DomainId, (ushort)(d.Lo >> 32), (int)((d.Lo >> 48) & 3)) != ContextInvalidationGranularity.Invalid;
            }
            case InvalidationDescriptorType.Iotlb:
            {
                // §6.5.2.3: G 5:4, DW 6, DR 7, DID 31:16; hi: AM 5:0, IH 6, ADDR 63:12.
                if ((d.Lo & 0xFFFF_FFFF_0000_F100UL) != 0 || (d.Hi & 0xF80) != 0) return false;
                var g = (IotlbInvalidationGranularity)d.Granularity;
                return InvalidateIotlb(g, d.DomainId, d.Hi & ~0xFFFUL, (int)(d.Hi & 0x3F)) != IotlbInvalidationGranularity.Invalid;
            }
            case InvalidationDescriptorType.DeviceIotlb:
                // §6.5.2.5: the model has no device-TLBs (ECAP.DT=0); a well-formed descriptor completes with no effect.
                return (d.Lo & 0xFFFF_0000_FFE0_F1F0UL) == 0 && (d.Hi & 0x7FE) == 0;
            case InvalidationDescriptorType.InterruptEntryCache:
            {
                // §6.5.2.7: G (bit 4) 0 = global, 1 = index-selective; IM 31:27; IIDX 47:32.
                if ((d.Lo & 0xFFFF_0000_07FF_F1E0UL) != 0 || d.Hi != 0) return false;
                int im = (int)((d.Lo >> 27) & 0x1F);
                if ((d.Lo & 0x10) == 0) InterruptEntryCache.InvalidateAll();
                else if (im > ExtendedCapability.MaximumHandleMaskValue) return false;
                else InterruptEntryCache.InvalidateIndex((int)((d.Lo >> 32) & 0xFFFF), im);
                return true;
            }
            case InvalidationDescriptorType.Wait:
                return ProcessWait(d);
            default:
                // 0, the PASID-based types 6-8 (scalable mode, ECAP.SMTS=0) and every other type are invalid here.
                return false;
        }
    }

    /// <summary>§6.5.2.8 Invalidation Wait: IF 4, SW 5, FN 6, status data 63:32, status address 127:66.</summary>
    private bool ProcessWait(InvalidationDescriptor d)
    {
        if ((d.Lo & 0xFFFF_F180UL) != 0 || (d.Hi & 3) != 0) return false;
        bool interrupt = (d.Lo & 0x10) != 0;
        bool statusWrite = (d.Lo & 0x20) != 0;
        if (!interrupt && !statusWrite) return false; // QEMU: a wait that neither writes nor interrupts is invalid
        if (statusWrite && !_memory.TryWriteLe(d.Hi, 4, d.Lo >> 32)) return false;
        if (interrupt)
        {
            // ICS.IWC set; an event unless IWC was still set from an earlier wait.
            if ((_regs.Get32(InvalidationCompletionStatus) & 1) == 0)
            {
                _regs.SetBits32(InvalidationCompletionStatus, 1, 0);
                RaiseEvent(InvalidationEventControl, InvalidationEventData, InvalidationEventAddress, InvalidationEventUpperAddress);
            }
        }
        return true;
    }

    /// <summary>§10.4.27: clearing ICS.IWC clears IECTL.IP.</summary>
    private void AfterCompletionStatusWrite()
    {
        if ((_regs.Get32(InvalidationCompletionStatus) & 1) == 0)
            _regs.SetBits32(InvalidationEventControl, 0, 0x4000_0000);
    }
}
