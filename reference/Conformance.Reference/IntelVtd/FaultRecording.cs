using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §10.4.14 Fault Recording Register (128 bits): FI 63:12 (faulting page; for interrupt requests
/// bits 63:48 hold the IRTE index), SID 79:64, FR 103:96, T 126 (1 = read, 0 = write), F 127 (RW1C).
/// </summary>
public readonly record struct FaultRecord(ulong Lo, ulong Hi)
{
    public bool Fault => (Hi & (1UL << 63)) != 0;
    public bool IsRead => (Hi & (1UL << 62)) != 0;
    public VtdFaultReason Reason => (VtdFaultReason)((Hi >> 32) & 0xFF);
    public ushort SourceId => (ushort)Hi;
    public ulong FaultInfo => Lo & ~0xFFFUL;
    public int InterruptIndex => (int)(Lo >> 48);
}

/// <summary>
/// VT-d spec §7.2 primary fault logging and §7.3 fault events, as QEMU's vtd_report_frcd_fault: drop while PFO is
/// set; drop when a pending record has the same source-id (compression); overflow (PFO) when the next register is
/// still pending; otherwise write FRCD[next], set F, update PPF, advance next (mod NFR). A fault event is raised
/// when PPF goes from 0 to 1 (FRI = the register written) or PFO is set, unless PPF, PFO or IQE was already pending.
/// </summary>
public sealed partial class VtdUnit
{
    private int _nextFaultRecord;

    /// <summary>Faults recorded into FRCD registers, and faults that FPD suppressed (observation for tests).</summary>
    public int FaultsRecorded { get; private set; }
    public int FaultsSuppressed { get; private set; }

    public FaultRecord ReadFaultRecord(int index)
    {
        int at = Config.FaultRecordingOffset + 16 * index;
        return new FaultRecord(_regs.Get64(at), _regs.Get64(at + 8));
    }

    private void RecordDmaFault(VtdFaultReason reason, ushort sourceId, ulong address, bool write, bool fpd) =>
        RecordFault(reason, sourceId, address & ~0xFFFUL, isRead: !write, fpd);

    private void RecordInterruptFault(VtdFaultReason reason, ushort sourceId, int index, bool fpd) =>
        RecordFault(reason, sourceId, (ulong)(index & 0xFFFF) << 48, isRead: false, fpd);

    private void RecordFault(VtdFaultReason reason, ushort sourceId, ulong faultInfo, bool isRead, bool fpd)
    {
        // 0. Fault processing disabled for a qualified fault: blocked, not recorded.
        if (fpd && VtdFaultQualification.IsQualified(reason)) { FaultsSuppressed++; return; }

        uint before = _regs.Get32(VtdRegisterOffsets.FaultStatus);
        // 1. Overflow already reported: drop.
        if ((before & (uint)FaultStatusBits.PrimaryFaultOverflow) != 0) return;
        // 2. Compression: a pending record from the same source-id.
        for (int i = 0; i < Config.FaultRecordingCount; i++)
        {
            var r = ReadFaultRecord(i);
            if (r.Fault && r.SourceId == sourceId) return;
        }
        // 3. The next register is still pending: overflow.
        if (ReadFaultRecord(_nextFaultRecord).Fault)
        {
            _regs.SetBits32(VtdRegisterOffsets.FaultStatus, (uint)FaultStatusBits.PrimaryFaultOverflow, 0);
            GenerateFaultEvent(before);
            return;
        }
        // 4. Record.
        int at = Config.FaultRecordingOffset + 16 * _nextFaultRecord;
        _regs.Set64(at, faultInfo);
        _regs.Set64(at + 8, (1UL << 63) | (isRead ? 1UL << 62 : 0) | ((ulong)reason << 32) | sourceId);
        FaultsRecorded++;
        int written = _nextFaultRecord;
        _nextFaultRecord = (_nextFaultRecord + 1) % Config.FaultRecordingCount;
        // 5. PPF 0 -> 1: FRI names the register, and a fault event is raised.
        if ((before & (uint)FaultStatusBits.PrimaryPendingFault) == 0)
        {
            _regs.SetBits32(VtdRegisterOffsets.FaultStatus, (uint)FaultStatusBits.PrimaryPendingFault | ((uint)written << 8), 0xFF00);
            GenerateFaultEvent(before);
        }
    }

    /// <summary>§7.3: an event only when no earlier fault condition (PPF, PFO, IQE) is still pending.</summary>
    private void GenerateFaultEvent(uint statusBefore)
    {
        const uint pending = (uint)(FaultStatusBits.PrimaryPendingFault | FaultStatusBits.PrimaryFaultOverflow | FaultStatusBits.InvalidationQueueError);
        if ((statusBefore & pending) != 0) return;
        RaiseEvent(FaultEventControl, FaultEventData, FaultEventAddress, FaultEventUpperAddress);
    }

    /// <summary>Clearing F in a fault record re-evaluates PPF.</summary>
    private void AfterFaultRecordWrite()
    {
        bool any = false;
        for (int i = 0; i < Config.FaultRecordingCount && !any; i++) any = ReadFaultRecord(i).Fault;
        _regs.SetBits32(VtdRegisterOffsets.FaultStatus, any ? (uint)FaultStatusBits.PrimaryPendingFault : 0, any ? 0 : (uint)FaultStatusBits.PrimaryPendingFault);
        ClearEventPendingWhenQuiet();
    }

    private void AfterFaultStatusWrite() => ClearEventPendingWhenQuiet();

    /// <summary>§10.4.10 FECTL.IP is cleared once software has serviced every fault condition.</summary>
    private void ClearEventPendingWhenQuiet()
    {
        const uint conditions = (uint)(FaultStatusBits.PrimaryFaultOverflow | FaultStatusBits.PrimaryPendingFault | FaultStatusBits.InvalidationQueueError
            | FaultStatusBits.InvalidationCompletionError | FaultStatusBits.InvalidationTimeoutError);
        if ((_regs.Get32(VtdRegisterOffsets.FaultStatus) & conditions) == 0)
            _regs.SetBits32(FaultEventControl, 0, 0x4000_0000);
    }
}
