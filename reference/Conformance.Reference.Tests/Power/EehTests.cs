using Conformance.Reference.Bus;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

public class EehTests
{
    private static PowerRig RigWithWindows()
    {
        var rig = new PowerRig();
        foreach (var (pe, arena) in new[] { (PowerRig.PeA, 0x100_0000UL), (PowerRig.PeB, 0x110_0000UL), (PowerRig.PeBus2, 0x120_0000UL) })
        {
            var t = new TceTableBuilder(rig.Memory, arena, 1, 0x1000, 0x1000).Map(0, 0x20_0000 + arena / 0x10);
            Assert.Equal(OpalRc.Success, rig.MapWindow(pe, 0, t));
        }
        return rig;
    }

    [Fact]
    public void Freeze_set_clear_and_status_follow_PESTA_and_PESTB()
    {
        var rig = RigWithWindows();
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeSet(0, PowerRig.PeA, (ulong)OpalEehAction.Mmio));
        Assert.Equal(OpalFreezeState.MmioFreeze, rig.State(PowerRig.PeA));
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk); // DMA still flows with only MMIO frozen
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeSet(0, PowerRig.PeA, (ulong)OpalEehAction.Dma));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevA, 0, 1).Kind);

        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeClear(0, PowerRig.PeA, (ulong)OpalEehAction.Mmio));
        Assert.Equal(OpalFreezeState.DmaFreeze, rig.State(PowerRig.PeA));
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeClear(0, PowerRig.PeA, (ulong)OpalEehAction.Dma));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk);
    }

    [Fact]
    public void Freeze_clear_does_not_validate_its_token_or_PE_and_freeze_set_does()
    {
        var rig = RigWithWindows();
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeSet(0, PowerRig.PeA, (ulong)OpalEehAction.All));
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeClear(0, PowerRig.PeA, 0));   // clears nothing
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeClear(0, PowerRig.PeA, 4));   // nor this
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeClear(0, 9999, 3));
        Assert.Equal(OpalRc.Parameter, rig.Opal.EehFreezeSet(0, 512, 3));
        Assert.Equal(OpalRc.Parameter, rig.Opal.EehFreezeSet(0, PowerRig.PeA, 0));
        Assert.Equal(OpalRc.Parameter, rig.Opal.EehFreezeSet(0, PowerRig.PeA, 4));
        Assert.Equal(OpalRc.Parameter, rig.Opal.EehFreezeSet(7, PowerRig.PeA, 3)); // no PHB 7
        // freeze_status has no PE range check either: a PE beyond the table reads as not frozen.
        Assert.Equal((OpalRc.Success, OpalFreezeState.NotFrozen, OpalPciStatusToken.NoError), rig.Opal.EehFreezeStatus(0, 100_000));
        Assert.Equal(OpalRc.Parameter, rig.Opal.EehFreezeStatus(3, 0).Rc);
    }

    [Fact]
    public void A_parent_bus_PE_error_freezes_its_child_PEs_through_PELT_V_but_not_its_ancestors()
    {
        var rig = RigWithWindows();
        // The downstream port 02:01.0 is in bus 2's PE; a DMA outside that PE's window freezes it.
        var o = rig.Write(PowerRig.Down1, 0x40_0000, 1);
        Assert.Equal(DmaResultKind.Frozen, o.Kind);
        Assert.Equal(PowerRig.PeBus2, o.Pe);
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeBus2));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeB));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeBus1));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeRoot));
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevB, 0, 1).Kind);
    }

    [Fact]
    public void A_child_PE_error_does_not_freeze_its_parent_or_sibling()
    {
        var rig = RigWithWindows();
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevA, 0x40_0000, 1).Kind);
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeBus2));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeB));
        Assert.True(rig.Write(PowerRig.Down1, 0, 1).IsOk);
    }

    [Fact]
    public void Next_error_reports_the_frozen_PE_and_nothing_once_it_is_cleared()
    {
        var rig = RigWithWindows();
        var none = rig.Opal.NextError(0);
        Assert.Equal([ulong.MaxValue, 0UL, 0UL], none.Out);
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevB, 0x40_0000, 1).Kind);
        var r = rig.Opal.NextError(0);
        Assert.Equal([(ulong)PowerRig.PeB, (ulong)OpalPciStatusToken.PeError, (ulong)OpalPciErrorSeverity.PeEr], r.Out);
        rig.Opal.EehFreezeClear(0, PowerRig.PeB, 3);
        Assert.Equal(ulong.MaxValue, rig.Opal.NextError(0).Out[0]);
    }

    [Fact]
    public void A_frozen_PE_reads_all_ones_drops_writes_and_its_BAR_returns_after_the_clear()
    {
        var rig = RigWithWindows();
        ulong a = PowerRig.Cpu(PowerRig.BarA) + 0x40;
        Assert.True(rig.Machine.CpuWrite(a, 4, 0x1234_5678));
        Assert.Equal(0x1234_5678UL, rig.Machine.CpuRead(a, 4));
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeSet(0, PowerRig.PeA, (ulong)OpalEehAction.Mmio));
        Assert.Equal(MmioBus.AllOnes(4), rig.Machine.CpuRead(a, 4));
        Assert.Equal(MmioBus.AllOnes(8), rig.Machine.CpuRead(a, 8));
        rig.Machine.CpuWrite(a, 4, 0xdead_beef);   // dropped
        // The sibling PE's BAR is untouched by the freeze.
        ulong b = PowerRig.Cpu(PowerRig.BarB);
        Assert.True(rig.Machine.CpuWrite(b, 4, 0x55));
        Assert.Equal(0x55UL, rig.Machine.CpuRead(b, 4));
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeClear(0, PowerRig.PeA, (ulong)OpalEehAction.All));
        Assert.Equal(0x1234_5678UL, rig.Machine.CpuRead(a, 4));
    }

    [Fact]
    public void A_hot_reset_of_a_slot_resets_the_devices_below_it_and_leaves_freeze_state_to_software()
    {
        var rig = RigWithWindows();
        ulong a = PowerRig.Cpu(PowerRig.BarA), b = PowerRig.Cpu(PowerRig.BarB);
        rig.Machine.CpuWrite(a, 4, 0x11);
        rig.Machine.CpuWrite(b, 4, 0x22);
        rig.Opal.EehFreezeSet(0, PowerRig.PeA, 3);
        ulong slot = OpalPci.SlotId(0, PowerRig.Down1);
        Assert.Equal(250L, rig.Opal.Reset(slot, (byte)OpalPciResetScope.PciHot, (byte)OpalPciResetState.Assert));
        Assert.Equal(0L, rig.Opal.Reset(slot, (byte)OpalPciResetScope.PciHot, (byte)OpalPciResetState.Deassert));
        Assert.Equal(0L, SlotResetTests.PollToCompletion(rig, slot));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA)); // still frozen: Linux clears it after the reset
        rig.Opal.EehFreezeClear(0, PowerRig.PeA, 3);
        Assert.Equal(0UL, rig.Machine.CpuRead(a, 4));
        Assert.Equal(0x22UL, rig.Machine.CpuRead(b, 4));
        // Complete and IODA-table resets belong to the PHB slot only.
        Assert.Equal((long)OpalRc.Unsupported, rig.Opal.Reset(slot, (byte)OpalPciResetScope.PhbComplete, 1));
        Assert.Equal((long)OpalRc.Unsupported, rig.Opal.Reset(slot, (byte)OpalPciResetScope.PciIodaTable, 1));
        Assert.Equal((long)OpalRc.Unsupported, rig.Opal.Reset(0, (byte)OpalPciResetScope.PciLink, 1));
        Assert.Equal((long)OpalRc.Parameter, rig.Opal.Reset(0, (byte)OpalPciResetScope.PciHot, 2));
        Assert.Equal((long)OpalRc.Parameter, rig.Opal.Reset(0x8000_0000_0042_0000, (byte)OpalPciResetScope.PciHot, 1));
        Assert.Equal((long)OpalRc.Parameter, rig.Opal.Poll(77));
    }

    [Fact]
    public void A_complete_PHB_reset_unfreezes_every_PE_and_keeps_the_OS_configuration()
    {
        var rig = RigWithWindows();
        rig.Write(PowerRig.Down1, 0x40_0000, 1); // freezes 508, 507, 506
        Assert.Equal(10L, rig.Opal.Reset(0, (byte)OpalPciResetScope.PhbComplete, 1));
        Assert.Equal(0L, SlotResetTests.PollToCompletion(rig, 0));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeBus2));
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk); // RTT and TVT survived
    }

    [Fact]
    public void An_IODA_table_reset_returns_every_RID_to_the_reserved_PE_and_disables_every_window()
    {
        var rig = RigWithWindows();
        Assert.Equal(0L, rig.Opal.Reset(0, (byte)OpalPciResetScope.PciIodaTable, 1));
        Assert.Equal(511, rig.Phb.PeOf(PowerRig.DevA.RequesterId));
        var o = rig.Write(PowerRig.DevA, 0, 1);
        Assert.Equal(DmaResultKind.Frozen, o.Kind);
        Assert.Equal(511, o.Pe);
        // M32 segments now all belong to PE 0 (MDT column A zeroed).
        Assert.Equal(0, rig.Phb.PeOfCpuAddress(PowerRig.Cpu(PowerRig.BarA)));
    }
}
