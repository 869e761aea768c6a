using Conformance.Reference.IntelVtd;
using Conformance.Reference.Pci;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.Tests.IntelVtd;

/// <summary>VT-d spec §7.2 primary fault logging and §7.3 fault events.</summary>
public class VtdFaultRecordingTests
{
    private static Bdf Device(int n) => new(0, 0, (byte)n, 0);

    private static VtdTables Rig(int nfr)
    {
        var t = new VtdTables(new VtdUnitConfig { Id = "dmar0", MmioBase = VtdTables.MmioBase, FaultRecordingCount = nfr });
        t.EnableTranslation();                                  // empty root table: every device faults with reason 1
        return t;
    }

    [Fact]
    public void Fault_records_sit_at_CAP_FRO_in_the_real_layout_and_F_is_write_one_to_clear()
    {
        var t = Rig(4);
        Assert.Equal(0x220, t.Unit.Capability.FaultRecordingOffset);
        Assert.Equal(4, t.Unit.Capability.FaultRecordingCount);
        t.Translate(Device(3), 0x1234_5678, write: true);
        ulong lo = t.Reg(0x220, 8), hi = t.Reg(0x228, 8);
        Assert.Equal(0x1234_5000UL, lo);
        Assert.Equal(1UL << 63 | 1UL << 32 | Device(3).RequesterId, hi);   // F, FR=1, T=0 (write), SID
        Assert.Equal(0x2UL, t.Reg(FaultStatus) & 0xFF02);                  // PPF, FRI=0
        t.SetReg(0x22c, 0x8000_0000);                                      // clear F
        Assert.Equal(0UL, t.Reg(0x228, 8) >> 63);
        Assert.Equal(0UL, t.Reg(FaultStatus) & 2);
    }

    [Fact]
    public void Faults_from_a_source_with_a_pending_record_are_compressed()
    {
        var t = Rig(4);
        t.Translate(Device(3), 0x1000);
        t.Translate(Device(3), 0x2000);
        t.Translate(Device(4), 0x3000);
        Assert.Equal(2, t.Unit.FaultsRecorded);
        Assert.Equal(Device(4).RequesterId, t.Unit.ReadFaultRecord(1).SourceId);
        Assert.False(t.Unit.ReadFaultRecord(2).Fault);
    }

    [Fact]
    public void When_every_record_is_pending_the_next_fault_sets_PFO_and_later_ones_are_dropped_until_cleared()
    {
        var t = Rig(2);
        t.Translate(Device(1), 0x1000);
        t.Translate(Device(2), 0x1000);
        Assert.Equal(0UL, t.Reg(FaultStatus) & 1);
        t.Translate(Device(3), 0x1000);
        Assert.Equal(1UL, t.Reg(FaultStatus) & 1);                        // PFO
        t.SetReg(0x22c, 0x8000_0000);                                      // software frees FRCD 0 ...
        t.Translate(Device(4), 0x1000);
        Assert.False(t.Unit.ReadFaultRecord(0).Fault);                    // ... but PFO still set: dropped
        t.SetReg(FaultStatus, 1);                                          // clear PFO (RW1C)
        t.Translate(Device(5), 0x1000);
        Assert.Equal(Device(5).RequesterId, t.Unit.ReadFaultRecord(0).SourceId);
        Assert.Equal(0UL, (t.Reg(FaultStatus) >> 8) & 0xFF);              // FRI unchanged: PPF stayed set
    }

    [Fact]
    public void A_fault_event_is_sent_when_unmasked_and_held_pending_while_masked()
    {
        var t = Rig(4);
        t.SetReg(FaultEventData, 0x44);
        t.SetReg(FaultEventAddress, 0xFEE0_3000);
        // Masked (reset state): IP set, nothing sent.
        t.Translate(Device(1), 0x1000);
        Assert.Equal(0x4000_0000UL, t.Reg(FaultEventControl) & 0x4000_0000);
        Assert.Empty(t.Machine.Interrupts.All);
        t.SetReg(FaultEventControl, 0);                                    // unmask: the pending event goes out
        Assert.Equal(0x44, Assert.Single(t.Machine.Interrupts[3].Delivered).Vector);
        Assert.Equal(0UL, t.Reg(FaultEventControl) & 0x4000_0000);
        // PPF still set: a second fault raises no new event.
        t.Translate(Device(2), 0x1000);
        Assert.Single(t.Machine.Interrupts.All);
        // Service both records: the next fault is a new event.
        t.SetReg(0x22c, 0x8000_0000);
        t.SetReg(0x23c, 0x8000_0000);
        t.Translate(Device(3), 0x1000);
        Assert.Equal(2, t.Machine.Interrupts.All.Count());
        Assert.Equal(2UL, (t.Reg(FaultStatus) >> 8) & 0xFF);              // FRI names FRCD 2
    }

    [Fact]
    public void Interrupt_remapping_faults_carry_the_index_in_FI_bits_63_to_48()
    {
        var t = new VtdTables().EnableInterruptRemapping(sizeField: 3); // 16 entries
        t.Msi(Device(6), VtdTables.RemappableAddress(9), 0);
        var rec = t.Unit.ReadFaultRecord(0);
        Assert.Equal(VtdFaultReason.IrEntryNotPresent, rec.Reason);
        Assert.Equal(9, rec.InterruptIndex);
        Assert.Equal(Device(6).RequesterId, rec.SourceId);
    }
}
