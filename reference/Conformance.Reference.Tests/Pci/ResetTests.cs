using Conformance.Reference.Devices;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Tests.DeviceTests;
using Conformance.Reference.Tests.PlatformTests;

namespace Conformance.Reference.Tests.PciTests;

public class ResetTests
{
    [Fact]
    public void Initiate_flr_returns_the_function_to_power_on_state_so_it_neither_decodes_nor_masters()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        var d = p.Device("0000:03:00.1");
        ulong bar = d.BarBase(0);
        DmaTestDeviceTests.EnableVector(p, d, 0, dest: 0, vector: 0x40);
        p.Machine.CpuWrite(bar + DmaTestDevice.RegScratch, 4, 0xABCD);
        d.LocalMemory[5] = 7;
        Assert.True(d.FlrCapable);
        int exp = d.PciExpressOffset;
        uint devctl = p.Machine.ConfigRead(d.Bdf, exp + 8, 2);
        p.Machine.ConfigWrite(d.Bdf, exp + 8, 2, devctl | 0x8000);

        Assert.Equal(1, d.ResetCount);
        Assert.Equal(0u, p.Machine.ConfigRead(d.Bdf, exp + 8, 2) & 0x8000); // Initiate FLR reads 0
        Assert.Equal(0u, p.Machine.ConfigRead(d.Bdf, 0x04, 2));              // no decode, no bus master
        Assert.Equal(0u, p.Machine.ConfigRead(d.Bdf, 0x10, 4));              // BAR unassigned (mem32 type bits 0)
        Assert.Equal(0u, p.Machine.ConfigRead(d.Bdf, d.Msix!.CapabilityOffset + 2, 2) & 0xC000);
        Assert.True(d.Msix.Entry(0).Masked);
        Assert.Equal(0, d.LocalMemory[5]);
        Assert.Equal(ulong.MaxValue >> 32, p.Machine.CpuRead(bar, 4));
        Assert.Equal(DmaResultKind.Abort, d.DmaWrite(0x1000, [1]).Kind);
        // Identity survives.
        Assert.Equal(0x1b36u, p.Machine.ConfigRead(d.Bdf, 0, 2));
    }

    [Fact]
    public void Secondary_bus_reset_resets_every_function_below_the_bridge_and_nothing_else()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        var port = Bdf.Parse("0000:02:01.0");
        uint ctl = p.Machine.ConfigRead(port, 0x3E, 2);
        p.Machine.ConfigWrite(port, 0x3E, 2, ctl | 0x40);
        p.Machine.ConfigWrite(port, 0x3E, 2, ctl);
        Assert.Equal(1, p.Function("0000:03:00.0").ResetCount);
        Assert.Equal(1, p.Function("0000:03:00.1").ResetCount);
        Assert.Equal(0, p.Function("0000:04:00.0").ResetCount);
        Assert.Equal(0, p.Function(port).ResetCount);
        Assert.Equal(0u, p.Machine.ConfigRead(Bdf.Parse("0000:03:00.0"), 0x04, 2));
        Assert.NotEqual(0u, p.Machine.ConfigRead(Bdf.Parse("0000:04:00.0"), 0x04, 2));
        // Holding the bit does not reset again; a new assertion does.
        p.Machine.ConfigWrite(port, 0x3E, 2, ctl | 0x40);
        p.Machine.ConfigWrite(port, 0x3E, 2, ctl | 0x40);
        Assert.Equal(2, p.Function("0000:03:00.0").ResetCount);
    }

    [Fact]
    public void A_bridge_without_bus_master_enable_stops_dma_from_below_with_master_abort()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        var d = p.Device("0000:04:00.0");
        Assert.True(d.DmaWrite(0x1000, [1]).IsOk);
        var port = Bdf.Parse("0000:02:02.0");
        p.Machine.ConfigWrite(port, 0x04, 2, p.Machine.ConfigRead(port, 0x04, 2) & ~4u);
        var o = d.DmaWrite(0x1000, [2]);
        Assert.Equal(DmaResultKind.Abort, o.Kind);
        Assert.Equal(0x2000u, p.Machine.ConfigRead(d.Bdf, 0x06, 2) & 0x2000);
        Assert.True(p.Machine.Memory.TryReadLe(0x1000, 1, out ulong v));
        Assert.Equal(1UL, v);
    }
}
