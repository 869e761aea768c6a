using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.AmdVi;

public sealed partial class AmdViUnit
{
    /// <summary>Every event the unit produced, logged or not (observation for tests; software sees only the log).</summary>
    public IReadOnlyList<AmdViEventEntry> Events => _events;
    private readonly List<AmdViEventEntry> _events = [];

    /// <summary>EventLen 59:56: 2^EventLen entries; encodings below 8 (256 entries) are reserved and read as 8.</summary>
    private ulong EventLogBytes => 16UL << Math.Max(8, (int)((_regs.Get(EventLogBase) >> 56) & 0xF));

    /// <summary>
    /// §2.5 "Event Logging" (QEMU amdvi_log_event): with EventLogRun, the entry is written at the tail and the tail
    /// advances; if the log is full (tail + 16 would reach head) EventOverflow is set, EventLogRun cleared, the
    /// entry dropped. EventLogInt is set for each entry written (and on overflow), and with EventIntEn an interrupt
    /// is sent. Returns whether the entry was written.
    /// </summary>
    internal bool LogEvent(AmdViEventEntry entry)
    {
        _events.Add(entry);
        // 1. Logging must be running (IOMMUEn, EventLogEn, not stopped by an overflow).
        if ((Status & StatusBits.EventLogRun) == 0) return false;
        ulong size = EventLogBytes;
        ulong head = _regs.Get(EventHead) & PointerMask;
        ulong tail = _regs.Get(EventTail) & PointerMask;
        if (tail >= size) tail %= size;
        // 2. Full: overflow, logging stops.
        if ((tail + 16) % size == head)
        {
            _regs.SetBits(AmdViRegisterOffsets.Status, (ulong)(StatusBits.EventOverflow | StatusBits.EventLogInterrupt), (ulong)StatusBits.EventLogRun);
            if ((Control & ControlBits.EventInterruptEnable) != 0) SendUnitInterrupt();
            return false;
        }
        // 3. Write the entry; a log that is not backed loses it (no further event: there is nowhere to report it).
        ulong at = (_regs.Get(EventLogBase) & AddressMask) + tail;
        bool ok = _memory.TryWriteLe(at, 8, entry.Lo) && _memory.TryWriteLe(at + 8, 8, entry.Hi);
        _regs.Set(EventTail, (tail + 16) % size);
        _regs.SetBits(AmdViRegisterOffsets.Status, (ulong)StatusBits.EventLogInterrupt, 0);
        if ((Control & ControlBits.EventInterruptEnable) != 0) SendUnitInterrupt();
        return ok;
    }
}
