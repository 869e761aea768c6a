using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

/// <summary>XIVE routing of PHB4 MSIs (skiboot hw/xive.c, hw/phb4.c): MIST first, then the source's EAS names VP and EISN.</summary>
public class XiveRoutingTests
{
    private static (PowerRig Rig, uint Girq, ulong Address, uint Data) Routed(int source, uint vp, byte prio, uint lirq, int pe = PowerRig.PeA)
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.SetXivePe(PowerRig.PhbId, (ulong)pe, (uint)source));
        uint girq = rig.Phb.Girq(source);
        Assert.Equal(0L, rig.Opal.Call(OpalToken.OPAL_XIVE_SET_IRQ_CONFIG, [girq, vp, prio, lirq]).Rc);
        var (address, data) = MsiValidation.Msi64((uint)source);
        return (rig, girq, address, data);
    }

    [Fact]
    public void A_routed_source_reaches_exactly_its_VP_with_its_EISN()
    {
        var (rig, _, address, data) = Routed(0x35, vp: 5, prio: 6, lirq: 0x51);
        var o = rig.Machine.Msi(PowerRig.DevA, address, data);
        Assert.Equal(InterruptResultKind.Delivered, o.Kind);
        var d = Assert.Single(rig.Machine.Interrupts.All);
        Assert.Equal((5u, 0x51, PowerRig.DevA.RequesterId), (d.Destination, d.Vector, d.SourceId));
        Assert.Single(rig.Machine.Interrupts.Apics); // no other VP saw anything
    }

    [Fact]
    public void Another_PEs_requester_raising_a_routed_source_delivers_nothing()
    {
        var (rig, _, address, data) = Routed(0x35, vp: 5, prio: 6, lirq: 0x51);
        var o = rig.Machine.Msi(PowerRig.DevB, address, data);
        Assert.Equal(InterruptResultKind.Blocked, o.Kind);
        Assert.Contains("belongs to PE#507", o.Why, StringComparison.Ordinal);
        Assert.Empty(rig.Machine.Interrupts.All);
    }

    [Fact]
    public void A_never_routed_or_masked_source_delivers_nothing_and_unmasking_restores_it()
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.SetXivePe(PowerRig.PhbId, PowerRig.PeA, 9));
        var (address, data) = MsiValidation.Msi32(9);
        // xive_alloc_hw_irqs: valid, masked, EQ data = girq.
        Assert.Equal(OpalResult.Of(OpalRc.Success, 0, 0xff, rig.Phb.Girq(9)), rig.Opal.Call(OpalToken.OPAL_XIVE_GET_IRQ_CONFIG, [rig.Phb.Girq(9)]));
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, address, data).Kind);
        Assert.Equal(OpalRc.Success, rig.Opal.Xive.SetIrqConfig(rig.Phb.Girq(9), 2, 0xff, 0x44));
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, address, data).Kind);
        Assert.Equal(OpalResult.Of(OpalRc.Success, 2, 0xff, 0x44), rig.Opal.Xive.GetIrqConfig(rig.Phb.Girq(9)));
        Assert.Empty(rig.Machine.Interrupts.All);
        Assert.Equal(OpalRc.Success, rig.Opal.Xive.SetIrqConfig(rig.Phb.Girq(9), 2, 0, 0x44));
        Assert.Equal(InterruptOutcome.Delivered(2, 0x44), rig.Machine.Msi(PowerRig.DevA, address, data));
    }

    [Theory]
    [InlineData(-1L, 1UL, 6UL, "girq below the PHB's sources")]
    [InlineData(4096L, 1UL, 6UL, "girq above the PHB's sources")]
    [InlineData(0x20L, 1UL, 8UL, "prio 8 > XIVE_MAX_PRIO")]
    [InlineData(0x20L, 1UL, 0xfeUL, "prio 0xfe")]
    [InlineData(0x20L, 0x8000_0001UL, 6UL, "a group VP (bit 31)")]
    [InlineData(0x20L, 0x4000_0001UL, 6UL, "a VP-block VP (bit 30), not modelled")]
    [InlineData(0x20L, 4096UL, 6UL, "a PIR with no thread")]
    [InlineData(0x20L, 4096UL, 0xffUL, "masking still needs a VP (it retargets to prio 7)")]
    public void A_rejected_SET_IRQ_CONFIG_is_OPAL_PARAMETER_and_changes_no_EAS(long sourceOffset, ulong vp, ulong prio, string why)
    {
        var rig = new PowerRig();
        uint girq = (uint)(rig.Config.EffectiveIrqBase + sourceOffset);
        var before = Enumerable.Range(0, 4096).Select(i => rig.Phb.Xive[rig.Phb.Girq(i)]).ToArray();
        var r = rig.Opal.Call(OpalToken.OPAL_XIVE_SET_IRQ_CONFIG, [girq, vp, prio, 0x40]);
        Assert.True(r.Rc == (long)OpalRc.Parameter, why);
        Assert.Equal(before, Enumerable.Range(0, 4096).Select(i => rig.Phb.Xive[rig.Phb.Girq(i)]).ToArray());
        Assert.False(rig.Phb.Xive[girq].Valid && sourceOffset is < 0 or >= 4096);
    }

    [Fact]
    public void SET_IRQ_CONFIG_writes_the_IVE_fields_of_xive_p9_regs()
    {
        var (rig, girq, _, _) = Routed(0x35, vp: 5, prio: 6, lirq: 0x8000_0051); // lirq keeps 31 bits
        // IVE_VALID bit 0, IVE_EQ_BLOCK 4:7 = 0, IVE_EQ_INDEX 8:31 = VP*8 + prio, IVE_MASKED bit 32 clear, IVE_EQ_DATA 33:63.
        Assert.Equal((1UL << 63) | ((5UL * 8 + 6) << 32) | 0x51, rig.Phb.Xive[girq].Raw);
        // The VP argument is a uint64 that skiboot passes on as uint32.
        Assert.Equal(0L, rig.Opal.Call(OpalToken.OPAL_XIVE_SET_IRQ_CONFIG, [girq, 0x1_0000_0007, 2, 9]).Rc);
        Assert.Equal(OpalResult.Of(OpalRc.Success, 7, 2, 9), rig.Opal.Xive.GetIrqConfig(girq));
    }

    [Fact]
    public void PHB_sources_start_at_base_msi_allocated_top_down_and_msi_ranges_reports_them()
    {
        Assert.Equal(0xff000u, PhbConfig.DefaultIrqBase(0, 4096));
        Assert.Equal(0xfe000u, PhbConfig.DefaultIrqBase(1, 4096));
        Assert.Equal(0x1ff000u, PhbConfig.DefaultIrqBase(6, 4096)); // chip 1, PHB index 0
        var rig = new PowerRig();
        Assert.Equal((0xff000u, 4088), rig.Opal.Xive.MsiRanges(PowerRig.PhbId));
        Assert.Null(rig.Opal.Xive.MsiRanges(7));
        Assert.True(rig.Phb.Xive.HasSource(0xff000 + 4095)); // the 8 LSIs have EASs too
        Assert.False(rig.Phb.Xive.HasSource(0xff000 + 4096));
    }

    [Fact]
    public void An_IODA_table_reset_clears_the_MIST_but_not_the_XIVE_route()
    {
        var (rig, girq, address, data) = Routed(0x90, vp: 6, prio: 6, lirq: 0x77);
        Assert.Equal(InterruptResultKind.Delivered, rig.Machine.Msi(PowerRig.DevA, address, data).Kind);
        Assert.Equal(0L, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PciIodaTable, (byte)OpalPciResetState.Assert));
        Assert.Equal(0, rig.Phb.Msi.OwnerPe(0x90));
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, address, data).Kind);
        Assert.Equal(OpalResult.Of(OpalRc.Success, 6, 6, 0x77), rig.Opal.Xive.GetIrqConfig(girq));
    }

    [Fact]
    public void A_function_held_in_reset_or_behind_a_fenced_PHB_raises_nothing_and_delivers_again_afterwards()
    {
        var (rig, _, address, data) = Routed(0x21, vp: 2, prio: 6, lirq: 0x44);
        ulong slot = OpalPci.SlotId(0, PowerRig.Down1);
        Assert.Equal(250L, rig.Opal.Reset(slot, (byte)OpalPciResetScope.PciHot, (byte)OpalPciResetState.Assert));
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, address, data).Kind);
        Assert.Empty(rig.Machine.Interrupts.All);
        Assert.Equal(0L, SlotResetTests.PollToCompletion(rig, slot));
        // The slot reset reset the function, not the MIST or the EAS: the same message is delivered again.
        Assert.Equal(InterruptOutcome.Delivered(2, 0x44), rig.Machine.Msi(PowerRig.DevA, address, data));

        Assert.Equal(10L, rig.Opal.Reset(PowerRig.PhbId, (byte)OpalPciResetScope.PhbComplete, 1));
        Assert.True(rig.Phb.Fenced);
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, address, data).Kind);
        Assert.Single(rig.Machine.Interrupts.All);
    }
}
