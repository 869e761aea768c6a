using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>§2.5 event log mechanics and §3.4 register behaviour.</summary>
public class AmdViEventLogTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);

    [Fact]
    public void A_full_log_sets_EventOverflow_stops_EventLogRun_and_drops_the_entry_until_software_reenables_it()
    {
        var t = new AmdViTables().Enable(eventLen: 8);   // 256 entries: 255 fit
        t.SetDte(Dev.RequesterId, AmdViTables.DteQ0(t.AllocPage(), 3), 5);
        for (int i = 0; i < 255; i++) _ = t.Dma(Dev, (ulong)i << 12);
        Assert.Equal(255 * 16UL, t.Reg(EventTail));
        Assert.Equal(0UL, t.Reg(AmdViRegisterOffsets.Status) & (ulong)StatusBits.EventOverflow);
        _ = t.Dma(Dev, 0x10_0000);
        ulong status = t.Reg(AmdViRegisterOffsets.Status);
        Assert.Equal((ulong)StatusBits.EventOverflow, status & (ulong)(StatusBits.EventOverflow | StatusBits.EventLogRun));
        Assert.Equal(255 * 16UL, t.Reg(EventTail));
        // Software drains the log and turns EventLogEn off and on, which also clears EventOverflow (VBox).
        t.SetReg(EventHead, t.Reg(EventTail));
        t.SetControl(ControlBits.None, ControlBits.EventLogEnable);
        t.SetControl(ControlBits.EventLogEnable);
        Assert.Equal((ulong)StatusBits.EventLogRun, t.Reg(AmdViRegisterOffsets.Status) & (ulong)(StatusBits.EventOverflow | StatusBits.EventLogRun));
        _ = t.Dma(Dev, 0x10_1000);
        Assert.Equal(0x10_1000UL, Assert.Single(t.LogEntries()).Address);
    }

    [Fact]
    public void With_EventIntEn_and_IntCapXTEn_each_logged_event_interrupts_the_XT_destination()
    {
        var t = new AmdViTables().Enable();
        t.SetDte(Dev.RequesterId, AmdViTables.DteQ0(t.AllocPage(), 3), 5);
        t.SetReg(EventInterruptXt, 0x44UL << 32 | 1UL << 8 | 0x01UL << 56);   // destination 0x0100_0001, vector 0x44
        _ = t.Dma(Dev, 0x1000);
        Assert.Empty(t.Machine.Interrupts.All);
        t.SetControl(ControlBits.EventInterruptEnable | ControlBits.InterruptCapXtEnable);
        _ = t.Dma(Dev, 0x2000);
        var i = Assert.Single(t.Machine.Interrupts.All);
        Assert.Equal((0x0100_0001u, 0x44), (i.Destination, i.Vector));
        Assert.NotEqual(0UL, t.Reg(AmdViRegisterOffsets.Status) & (ulong)StatusBits.EventLogInterrupt);
    }

    [Fact]
    public void Registers_sit_at_their_offsets_with_EFR_from_the_unit_configuration()
    {
        var t = new AmdViTables(new AmdViUnitConfig { Id = "ivhd0", MmioBase = AmdViTables.MmioBase, Levels = 6, GuestTranslation = true });
        ulong efr = t.Reg(AmdViRegisterOffsets.ExtendedFeature);
        Assert.Equal(2UL, (efr >> 10) & 3);                 // HATS: 6 levels
        Assert.Equal(1UL, (efr >> 4) & 1);                  // GTSup
        Assert.Equal(1UL, (efr >> 6) & 1);                  // IASup
        Assert.Equal(0UL, efr & 3);                         // no PrefSup, PPRSup
        t.SetReg(AmdViRegisterOffsets.ExtendedFeature, 0);
        Assert.Equal(efr, t.Reg(AmdViRegisterOffsets.ExtendedFeature));      // read-only
        t.SetReg(DeviceTableBase, ulong.MaxValue);
        Assert.Equal(0x000F_FFFF_FFFF_F1FFUL, t.Reg(DeviceTableBase));
        t.SetReg(CommandTail, 0xFFFF_FFFF_FFF8_0FFFUL);
        Assert.Equal(0xFF0UL, t.Reg(CommandTail));                           // pointer bits 18:4 only
        t.SetControl(ControlBits.IommuEnable | ControlBits.EventLogEnable | ControlBits.CommandBufferEnable);
        Assert.Equal((ulong)(StatusBits.EventLogRun | StatusBits.CommandBufferRun), t.Reg(AmdViRegisterOffsets.Status, 4));
        t.SetReg(AmdViRegisterOffsets.Status, ulong.MaxValue);                // the Run bits are read-only
        Assert.Equal((ulong)(StatusBits.EventLogRun | StatusBits.CommandBufferRun), t.Reg(AmdViRegisterOffsets.Status, 4));
        t.SetControl(ControlBits.None, ControlBits.IommuEnable);
        Assert.Equal(0UL, t.Reg(AmdViRegisterOffsets.Status, 4));
        var t4 = new AmdViTables();
        Assert.Equal(0UL, (t4.Reg(AmdViRegisterOffsets.ExtendedFeature) >> 4) & 1);
        t4.SetControl(ControlBits.GuestTranslationEnable);
        Assert.Equal(0UL, t4.Reg(AmdViRegisterOffsets.Control) & (ulong)ControlBits.GuestTranslationEnable);  // GTEn needs GTSup
    }
}
