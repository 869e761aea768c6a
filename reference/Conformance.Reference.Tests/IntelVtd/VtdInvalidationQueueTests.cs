using Conformance.Reference.IntelVtd;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.Tests.IntelVtd;

public class VtdInvalidationQueueTests
{
    [Fact]
    public void Descriptors_run_only_when_the_clock_ticks_and_a_wait_writes_its_status_in_order()
    {
        var t = new VtdTables().EnableQueue();
        t.Submit(Descriptors.IotlbGlobal(), Descriptors.Wait(0x9000, 0xC0FFEE), Descriptors.ContextGlobal(), Descriptors.Wait(0x9004, 0xBEEF));
        Assert.Equal(0, t.Head);
        Assert.True(t.Memory.TryReadLe(0x9000, 4, out ulong s0));
        Assert.Equal(0UL, s0);

        Assert.Equal(2, t.Unit.Tick(2));
        Assert.Equal(2, t.Head);
        Assert.True(t.Memory.TryReadLe(0x9000, 4, out s0));
        Assert.Equal(0xC0FFEEUL, s0);
        Assert.True(t.Memory.TryReadLe(0x9004, 4, out ulong s1));
        Assert.Equal(0UL, s1);

        Assert.Equal(2, t.Unit.Tick(100));
        Assert.Equal(4, t.Head);
        Assert.True(t.Memory.TryReadLe(0x9004, 4, out s1));
        Assert.Equal(0xBEEFUL, s1);
        Assert.Equal(0, t.Unit.Tick(100));
    }

    [Fact]
    public void A_wait_with_interrupt_flag_sets_IWC_and_sends_the_completion_event_once()
    {
        var t = new VtdTables().EnableQueue();
        t.SetReg(InvalidationEventData, 0x51);
        t.SetReg(InvalidationEventAddress, 0xFEE0_2000);
        t.SetReg(InvalidationEventControl, 0);                               // unmask
        t.Submit(Descriptors.Wait(0, 0, statusWrite: false, interrupt: true), Descriptors.Wait(0, 0, statusWrite: false, interrupt: true));
        t.Unit.Tick(2);
        Assert.Equal(1UL, t.Reg(InvalidationCompletionStatus) & 1);
        var d = Assert.Single(t.Machine.Interrupts[2].Delivered);             // second wait: IWC still set, no new event
        Assert.Equal(0x51, d.Vector);
        t.SetReg(InvalidationCompletionStatus, 1);                            // RW1C
        Assert.Equal(0UL, t.Reg(InvalidationCompletionStatus) & 1);
    }

    [Fact]
    public void A_masked_completion_event_stays_pending_until_unmasked()
    {
        var t = new VtdTables().EnableQueue();
        t.SetReg(InvalidationEventAddress, 0xFEE0_0000);
        t.SetReg(InvalidationEventData, 0x60);
        t.Submit(Descriptors.Wait(0, 0, statusWrite: false, interrupt: true));
        t.Unit.Tick(1);
        Assert.Equal(0x4000_0000UL, t.Reg(InvalidationEventControl) & 0x4000_0000);
        Assert.Empty(t.Machine.Interrupts.All);
        t.SetReg(InvalidationEventControl, 0);
        Assert.Equal(0UL, t.Reg(InvalidationEventControl) & 0x4000_0000);
        Assert.Equal(0x60, Assert.Single(t.Machine.Interrupts.All).Vector);
    }

    [Theory]
    [InlineData(0x0UL, 0x0UL)]                                 // type 0
    [InlineData(0x6UL, 0x0UL)]                                 // PASID-IOTLB in legacy mode
    [InlineData(0x1UL | 0x10 | 0x100, 0x0UL)]                  // context-cache, reserved bit 8
    [InlineData(0x1UL, 0x0UL)]                                 // context-cache, granularity 0
    [InlineData(0x2UL | 0x10, 0x80UL)]                         // IOTLB, reserved hi bit 7
    [InlineData(0x4UL | 0x20, 0x0UL)]                          // IEC, reserved bit 5
    [InlineData(0x5UL, 0x1000UL)]                              // wait with neither SW nor IF
    [InlineData(0x5UL | 0x20, 0x1001UL)]                       // wait, status address bit 0
    [InlineData(0x5UL | 0x20, 0x2000_0000UL)]                  // wait, status write to unbacked memory
    public void A_bad_descriptor_sets_IQE_stops_the_queue_and_leaves_the_head_on_it(ulong lo, ulong hi)
    {
        var t = new VtdTables(memory: [new Memory.MemoryRegion(0, 0x2000_0000)]).EnableQueue();
        t.SetReg(FaultEventAddress, 0xFEE0_0000);
        t.SetReg(FaultEventData, 0x70);
        t.SetReg(FaultEventControl, 0);
        t.Submit(Descriptors.Wait(0x9000, 1), (lo, hi), Descriptors.Wait(0x9004, 2));
        Assert.Equal(1, t.Unit.Tick(10));
        Assert.Equal(1, t.Head);
        Assert.True(t.Unit.FaultStatus.HasFlag(FaultStatusBits.InvalidationQueueError));
        Assert.True(t.Memory.TryReadLe(0x9004, 4, out ulong s));
        Assert.Equal(0UL, s);
        Assert.Equal(0x70, Assert.Single(t.Machine.Interrupts.All).Vector);   // fault event

        // Software repairs the descriptor and clears IQE: the queue resumes from the head.
        t.Write64(t.QueueBase + 16, Descriptors.Wait(0x9008, 3).Item1);
        t.Write64(t.QueueBase + 24, 0x9008);
        t.SetReg(FaultStatus, (ulong)FaultStatusBits.InvalidationQueueError);
        Assert.Equal(2, t.Unit.Tick(10));
        Assert.True(t.Memory.TryReadLe(0x9004, 4, out s));
        Assert.Equal(2UL, s);
    }

    [Fact]
    public void The_queue_wraps_at_its_size_and_disabling_waits_for_an_empty_queue_ending_in_a_wait()
    {
        var t = new VtdTables().EnableQueue(qs: 0);                          // 256 entries
        for (int i = 0; i < 255; i++) t.Submit(Descriptors.IecGlobal());
        Assert.Equal(255, t.Unit.Tick(1000));
        t.Submit(Descriptors.IecGlobal(), Descriptors.IecGlobal());          // wraps to 1
        Assert.Equal(2, t.Unit.Tick(1000));
        Assert.Equal(1, t.Head);
        t.Command(GlobalCommandBits.QueuedInvalidationEnable, on: false);
        Assert.True(t.Unit.Status.HasFlag(GlobalCommandBits.QueuedInvalidationEnable));  // last was not a wait
        t.Submit(Descriptors.Wait(0x9000, 1));
        t.Unit.Tick(1);
        t.Command(GlobalCommandBits.QueuedInvalidationEnable, on: false);
        Assert.False(t.Unit.Status.HasFlag(GlobalCommandBits.QueuedInvalidationEnable));
        Assert.Equal(0, t.Head);
    }

    [Fact]
    public void A_tail_beyond_the_queue_size_is_a_queue_error_not_an_endless_loop()
    {
        var t = new VtdTables().EnableQueue(qs: 0);                          // 256 entries: tail 300 is outside
        t.SetReg(InvalidationQueueTail, 300UL << 4, 8);
        Assert.Equal(0, t.Unit.Tick(1000));
        Assert.True(t.Unit.FaultStatus.HasFlag(FaultStatusBits.InvalidationQueueError));
        Assert.Equal(0, t.Head);
    }
}
