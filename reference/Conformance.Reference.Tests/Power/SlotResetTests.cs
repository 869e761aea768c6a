using Conformance.Reference.Bus;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

/// <summary>
/// OPAL_PCI_RESET returns a delay and OPAL_PCI_POLL drives the slot state machine (skiboot core/pci-opal.c,
/// core/pci-slot.c pci_slot_run_sm, hw/phb4.c phb4_hreset/freset/creset/poll_link, core/pcie-slot.c): every step's
/// exact return value and what the hardware looks like in between.
/// </summary>
public class SlotResetTests
{
    private static readonly ulong Down1Slot = OpalPci.SlotId(0, PowerRig.Down1);

    /// <summary>What Linux pnv_eeh_poll does: poll, msleep(rc) (a machine tick is 1 ms), until rc &lt;= 0. Bounded.</summary>
    public static long PollToCompletion(PowerRig rig, ulong slot)
    {
        for (int i = 0; i < 100; i++)
        {
            long rc = rig.Opal.Poll(slot);
            if (rc <= 0) return rc;
            rig.Machine.Tick((int)rc);
        }
        throw new InvalidOperationException("the reset never completed");
    }

    private static PowerRig RigWithWindow()
    {
        var rig = new PowerRig();
        var t = new TceTableBuilder(rig.Memory, 0x100_0000, 1, 0x1000, 0x1000).Map(0, 0x20_0000);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, t));
        return rig;
    }

    /// <summary>Polls once after waiting <paramref name="waitMs"/> and returns the poll's value.</summary>
    private static long After(PowerRig rig, ulong slot, int waitMs)
    {
        if (waitMs > 0) rig.Machine.Tick(waitMs);
        return rig.Opal.Poll(slot);
    }

    [Fact]
    public void A_port_slot_hot_reset_holds_SBR_250_ms_waits_1800_ms_then_polls_the_link_every_20_ms()
    {
        var rig = RigWithWindow();
        rig.Machine.CpuWrite(PowerRig.Cpu(PowerRig.BarA), 4, 0x77);
        var sm = rig.Opal.SlotReset(Down1Slot)!;

        Assert.Equal(250L, rig.Opal.Reset(Down1Slot, (byte)OpalPciResetScope.PciHot, (byte)OpalPciResetState.Assert));
        Assert.Equal((uint)PcieSlotState.HresetHold, sm.State);
        // The function below is reset at assert and masters no DMA while the reset is in progress; its sibling does.
        Assert.Equal(0UL, rig.Machine.CpuRead(PowerRig.Cpu(PowerRig.BarA), 4) & 0xff);
        var held = rig.Write(PowerRig.DevA, 0, 1);
        Assert.Equal(DmaResultKind.Frozen, held.Kind);
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA)); // stopped, not an error freeze
        Assert.True(rig.Phb.BusHeldInReset(3));
        Assert.False(rig.Phb.BusHeldInReset(4));

        Assert.Equal(0L, rig.Opal.Reset(Down1Slot, (byte)OpalPciResetScope.PciHot, (byte)OpalPciResetState.Deassert)); // no-op
        Assert.Equal(250L, After(rig, Down1Slot, 0));     // still waiting: the remaining delay
        Assert.Equal(1L, After(rig, Down1Slot, 249));
        Assert.Equal(1800L, After(rig, Down1Slot, 1));    // SBR deasserted
        Assert.Equal((uint)PcieSlotState.LinkStartPoll, sm.State);
        Assert.Equal(20L, After(rig, Down1Slot, 1800));   // link polling, 250 retries
        Assert.Equal((uint)PcieSlotState.LinkPolling, sm.State);
        Assert.Equal(250, sm.Retries);
        Assert.Equal(0L, After(rig, Down1Slot, 20));      // DLLLA: done
        Assert.False(sm.InProgress);
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk);
        Assert.Equal((long)OpalRc.Hardware, rig.Opal.Poll(Down1Slot)); // polling an idle slot
    }

    [Fact]
    public void A_port_slot_fundamental_reset_powers_off_50_ms_and_on_50_ms_before_polling_the_link()
    {
        var rig = RigWithWindow();
        Assert.Equal(50L, rig.Opal.Reset(Down1Slot, (byte)OpalPciResetScope.PciFundamental, 1));
        Assert.Equal(50L, After(rig, Down1Slot, 50));
        Assert.Equal(20L, After(rig, Down1Slot, 50));
        Assert.Equal(0L, After(rig, Down1Slot, 20));
    }

    [Fact]
    public void A_PHB_hot_reset_holds_SBR_1_s_waits_1_s_trains_the_link_then_waits_1_s_for_stability()
    {
        var rig = RigWithWindow();
        var sm = rig.Opal.SlotReset(PowerRig.PhbId)!;
        Assert.Equal(1000L, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PciHot, 1));
        Assert.True(rig.Phb.ConfigBlocked);
        Assert.True(rig.Phb.BusHeldInReset(1) && rig.Phb.BusHeldInReset(4));
        Assert.False(rig.Phb.BusHeldInReset(0));
        long[] expected = [1000, 1, 1, 1000, 0];
        Phb4SlotState[] states = [Phb4SlotState.HresetDelay2, Phb4SlotState.LinkWaitElectrical, Phb4SlotState.LinkWait, Phb4SlotState.LinkStable, Phb4SlotState.Normal];
        long wait = 1000;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], After(rig, PowerRig.PhbId, (int)wait));
            Assert.Equal((uint)states[i], sm.State);
            if (states[i] == Phb4SlotState.LinkStable) Assert.False(rig.Phb.ConfigBlocked); // link up: config unblocked
            wait = expected[i];
        }
        Assert.False(rig.Phb.BusHeldInReset(3));
    }

    [Fact]
    public void A_PHB_fundamental_reset_holds_PERST_250_ms_then_trains_the_link()
    {
        var rig = RigWithWindow();
        Assert.Equal(250L, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PciFundamental, 1));
        Assert.Equal(1L, After(rig, PowerRig.PhbId, 250));
        Assert.Equal(1L, After(rig, PowerRig.PhbId, 1));
        Assert.Equal(1000L, After(rig, PowerRig.PhbId, 1));
        Assert.Equal(0L, After(rig, PowerRig.PhbId, 1000));
    }

    [Fact]
    public void A_complete_PHB_reset_fences_the_PHB_until_the_ETU_is_reinitialised_then_does_a_fundamental_reset()
    {
        var rig = RigWithWindow();
        rig.Write(PowerRig.DevA, 0x40_0000, 1); // out of the window: PE 507 frozen
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.Equal(10L, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PhbComplete, 1));
        // Fenced: every PE reads MMIO+DMA frozen with a PHB error (never OPAL_EEH_STOPPED_RESET), MMIO reads all-ones.
        var (rc, state, type) = rig.Opal.EehFreezeStatus(0, PowerRig.PeB);
        Assert.Equal((OpalRc.Success, OpalFreezeState.MmioDmaFreeze, OpalPciStatusToken.PhbError), (rc, state, type));
        Assert.Equal(MmioBus.AllOnes(4), rig.Machine.CpuRead(PowerRig.Cpu(PowerRig.BarB), 4));
        Assert.Equal(10L, After(rig, PowerRig.PhbId, 10));   // CQ idle: ETU out of reset
        Assert.True(rig.Phb.Fenced);
        Assert.Equal(230L, After(rig, PowerRig.PhbId, 10));  // reinit at 20 ms: PERST held until 250 ms
        Assert.False(rig.Phb.Fenced);
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA)); // PEST cleared by the IODA reset
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevA, 0, 1).Kind); // still held in reset (PERST)
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
        Assert.Equal(1L, After(rig, PowerRig.PhbId, 230));   // freset without a second PERST: link polling
        Assert.Equal(1L, After(rig, PowerRig.PhbId, 1));
        Assert.Equal(1000L, After(rig, PowerRig.PhbId, 1));
        Assert.Equal(0L, After(rig, PowerRig.PhbId, 1000));
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk);   // RTT and TVT survived (restored from skiboot's caches)
    }

    [Fact]
    public void A_reset_requested_while_another_is_in_progress_runs_the_op_in_the_current_state_as_skiboot_does()
    {
        var rig = RigWithWindow();
        Assert.Equal(1000L, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PciHot, 1));
        Assert.Equal(1000L, After(rig, PowerRig.PhbId, 1000)); // HRESET_DELAY2
        Assert.Equal(1L, After(rig, PowerRig.PhbId, 1000));    // LINK_WAIT_ELECTRICAL
        // phb4_freset in a LINK state: "Unexpected slot state" → NORMAL, OPAL_HARDWARE.
        Assert.Equal((long)OpalRc.Hardware, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PciFundamental, 1));
        Assert.False(rig.Opal.SlotReset(PowerRig.PhbId)!.InProgress);
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk);
    }

    [Fact]
    public void The_OPAL_tokens_and_codes_are_the_headers_values()
    {
        // skiboot include/opal-api.h
        Assert.Equal(49, (int)OpalToken.OPAL_PCI_RESET);
        Assert.Equal(62, (int)OpalToken.OPAL_PCI_POLL);
        Assert.Equal(-6L, (long)OpalRc.Hardware);
        Assert.Equal(4, (int)OpalFreezeState.Reset);
        Assert.Equal(4, (int)OpalPciResetScope.PciHot);
        Assert.Equal(5, (int)OpalPciResetScope.PciFundamental);
        Assert.Equal(1, (int)OpalPciResetScope.PhbComplete);
    }
}
