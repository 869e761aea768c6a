using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

public class MsiValidationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_PE_raises_only_the_interrupt_sources_assigned_to_it(bool msi64)
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.SetXivePe(0, PowerRig.PeA, 0x123));
        Assert.Equal(OpalRc.Success, rig.Opal.Xive.SetIrqConfig(rig.Phb.Girq(0x123), 3, 6, 0x41));
        var r = rig.Opal.Call(msi64 ? OpalToken.OPAL_GET_MSI_64 : OpalToken.OPAL_GET_MSI_32, [0, PowerRig.PeA, 0x123, 1]);
        Assert.Equal(0L, r.Rc);
        ulong addr = r.Out[0];
        uint data = (uint)r.Out[1];
        Assert.Equal(msi64 ? 0x1000_0000_0000_1200UL : 0xffff_1200UL, addr);
        Assert.Equal(0x3u, data);

        var ok = rig.Machine.Msi(PowerRig.DevA, addr, data);
        Assert.Equal(InterruptResultKind.Delivered, ok.Kind);
        Assert.Equal((3u, 0x41), (ok.Destination, ok.Vector));
        Assert.Single(rig.Machine.Interrupts.All);

        var stolen = rig.Machine.Msi(PowerRig.DevB, addr, data);
        Assert.Equal(InterruptResultKind.Blocked, stolen.Kind);
        Assert.Contains("belongs to PE#507", stolen.Why, StringComparison.Ordinal);
        Assert.Single(rig.Machine.Interrupts.All);
    }

    [Fact]
    public void An_MSI_as_a_DMA_write_is_validated_the_same_way()
    {
        var rig = new PowerRig();
        rig.Opal.SetXivePe(0, PowerRig.PeB, 40);
        Assert.Equal(OpalRc.Success, rig.Opal.Xive.SetIrqConfig(rig.Phb.Girq(40), 2, 6, 40));
        var (addr, data) = MsiValidation.Msi64(40);
        var good = rig.Machine.Dma(PowerRig.DevB, addr, BitConverter.GetBytes(data), DmaDirection.Write);
        Assert.Equal(DmaResultKind.Interrupt, good.Kind);
        Assert.Equal(InterruptResultKind.Delivered, good.Interrupt!.Value.Kind);
        var bad = rig.Machine.Dma(PowerRig.DevA, addr, BitConverter.GetBytes(data), DmaDirection.Write);
        Assert.Equal(InterruptResultKind.Blocked, bad.Interrupt!.Value.Kind);
    }

    [Fact]
    public void A_frozen_PE_cannot_raise_even_its_own_interrupts()
    {
        var rig = new PowerRig();
        rig.Opal.SetXivePe(0, PowerRig.PeA, 7);
        Assert.Equal(OpalRc.Success, rig.Opal.Xive.SetIrqConfig(rig.Phb.Girq(7), 1, 6, 7));
        var (addr, data) = MsiValidation.Msi32(7);
        rig.Opal.EehFreezeSet(0, PowerRig.PeA, (ulong)OpalEehAction.Dma);
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, addr, data).Kind);
        rig.Opal.EehFreezeClear(0, PowerRig.PeA, (ulong)OpalEehAction.All);
        Assert.Equal(InterruptResultKind.Delivered, rig.Machine.Msi(PowerRig.DevA, addr, data).Kind);
    }

    [Fact]
    public void MSI_sources_in_the_LSI_range_or_outside_the_windows_are_blocked()
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Parameter, rig.Opal.SetXivePe(0, PowerRig.PeA, 4096 - 8));
        Assert.Equal(OpalRc.Parameter, rig.Opal.SetXivePe(0, 512, 1));
        var (addr, data) = MsiValidation.Msi64(4096 - 8);
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, addr, data).Kind);
        Assert.Equal(InterruptResultKind.Blocked, rig.Machine.Msi(PowerRig.DevA, 0xfee0_0000, 0x30).Kind);
        Assert.Equal(-1L, rig.Opal.Call(OpalToken.OPAL_GET_MSI_64, [0, PowerRig.PeA, 1, 2]).Rc); // msi_range must be 1
    }
}
