using Conformance.Reference.Devices;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.PlatformTests;

public class PciDecodeTests
{
    private static readonly Bdf Gpu = Bdf.Parse("0000:03:00.0");
    private static readonly Bdf Port = Bdf.Parse("0000:02:01.0");

    [Fact]
    public void After_software_moves_a_bar_the_cpu_reaches_it_at_the_new_address_and_the_old_one_reads_all_ones()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        var d = p.Device("0000:03:00.1");
        ulong old = d.BarBase(0);
        // Move BAR0 to another 128 KiB slot inside the same bridge window, as a driver or VMM would.
        var window = p.Bridge(Port).MemoryWindow;
        ulong target = p.Functions.SelectMany(f => f.Bars.Where(b => !b.IsIo).Select(b => f.BarBase(b.Index) + b.Size)).Where(e => e < 0x1_0000_0000).Max();
        target = (target + 0x1_FFFF) & ~0x1_FFFFUL;
        p.Machine.ConfigWrite(Port, 0x22, 2, (uint)((target + 0x2_0000 - 1) >> 16) & 0xFFF0); // widen the port's limit
        p.Machine.ConfigWrite(Bdf.Parse("0000:01:00.0"), 0x22, 2, (uint)((target + 0x2_0000 - 1) >> 16) & 0xFFF0);
        p.Machine.ConfigWrite(Bdf.Parse("0000:00:1c.0"), 0x22, 2, (uint)((target + 0x2_0000 - 1) >> 16) & 0xFFF0);
        Assert.True(window.Base <= target);
        p.Machine.ConfigWrite(d.Bdf, 0x10, 4, (uint)target);
        Assert.Equal(target, d.BarBase(0));
        Assert.Equal(DmaTestDevice.Identification, p.Machine.CpuRead(target, 4));
        Assert.Equal(0xFFFF_FFFFUL, p.Machine.CpuRead(old, 4));
        p.Machine.CpuWrite(target + DmaTestDevice.RegScratch, 4, 0x1234_5678);
        Assert.Equal(0x1234_5678UL, p.Machine.CpuRead(target + DmaTestDevice.RegScratch, 4));
    }

    [Fact]
    public void Clearing_memory_space_enable_on_the_function_or_a_bridge_above_it_stops_decoding()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        var d = p.Device("0000:03:00.1");
        ulong bar = d.BarBase(0);
        Assert.Equal(DmaTestDevice.Identification, p.Machine.CpuRead(bar, 4));
        p.Machine.ConfigWrite(d.Bdf, 0x04, 2, 0x0004); // bus master only
        Assert.Equal(0xFFFF_FFFFUL, p.Machine.CpuRead(bar, 4));
        p.Machine.ConfigWrite(d.Bdf, 0x04, 2, 0x0006);
        Assert.Equal(DmaTestDevice.Identification, p.Machine.CpuRead(bar, 4));
        p.Machine.ConfigWrite(Port, 0x04, 2, 0x0004);
        Assert.Equal(0xFFFF_FFFFUL, p.Machine.CpuRead(bar, 4));
        Assert.False(p.Machine.CpuWrite(bar + DmaTestDevice.RegScratch, 4, 1));
    }

    [Fact]
    public void A_bar_outside_the_bridge_windows_is_not_reached_and_closing_the_window_cuts_it_off()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        ulong bar1 = p.Function(Gpu).BarBase(1); // 64-bit prefetchable, above 4 GiB
        Assert.True(bar1 >= 1UL << 32);
        Assert.True(p.Machine.Pci.Segment(0).TryDecodeMemory(bar1 + 0x100, 8, out var t));
        Assert.Equal((1, 0x100UL), (t.Bar, t.Offset));
        // Close the port's prefetchable window (base above limit).
        p.Machine.ConfigWrite(Port, 0x24, 4, 0x0000_FFF0);
        Assert.False(p.Machine.Pci.Segment(0).TryDecodeMemory(bar1 + 0x100, 8, out _));
        Assert.Equal(ulong.MaxValue, p.Machine.CpuRead(bar1 + 0x100, 8));
        // The non-prefetchable BAR behind the same port still works.
        Assert.True(p.Machine.Pci.Segment(0).TryDecodeMemory(p.Function(Gpu).BarBase(0), 4, out _));
    }

    [Fact]
    public void A_cpu_access_that_hits_nothing_reads_all_ones_at_every_width()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        foreach (int w in new[] { 1, 2, 4, 8 })
        {
            Assert.Equal(w == 8 ? ulong.MaxValue : (1UL << (8 * w)) - 1, p.Machine.CpuRead(0xFEB0_0000, w)); // in the window, no BAR
            Assert.Equal(w == 8 ? ulong.MaxValue : (1UL << (8 * w)) - 1, p.Machine.CpuRead(0x8000_0000, w)); // outside everything
        }
        Assert.False(p.Machine.CpuWrite(0xFEB0_0000, 4, 0));
    }

    [Fact]
    public void Bridges_show_their_bus_numbers_windows_and_multifunction_is_inferred_from_the_slot()
    {
        var p = PlatformBuilderTests.BuildSwitch();
        var port = p.Bridge(Port);
        Assert.Equal(0x0003_0302u, p.Machine.ConfigRead(Port, 0x18, 4) & 0x00FF_FFFF);
        var gpu = p.Function(Gpu);
        Assert.True(port.MemoryWindow.Contains(gpu.BarBase(0), 4));
        Assert.Equal(0x0u, port.MemoryWindow.Base & 0xFFFFF);
        Assert.Equal(0xFFFFFUL, port.MemoryWindow.Limit & 0xFFFFF);
        Assert.Equal(0x1u, p.Machine.ConfigRead(Port, 0x24, 2) & 0xF); // 64-bit prefetchable window
        Assert.Equal(0x80u, p.Machine.ConfigRead(Gpu, 0x0E, 1));          // 03:00.0 has a sibling function
        Assert.Equal(0x00u, p.Machine.ConfigRead(Bdf.Parse("0000:04:00.0"), 0x0E, 1));
        Assert.Equal(0x6u, (p.Machine.ConfigRead(Port, port.PciExpressOffset + 2, 2) >> 4) & 0xF); // downstream port
        Assert.Equal(0x000Eu, p.Machine.ConfigRead(Bdf.Parse("0000:04:00.0"), 0x100, 2)); // no ACS: ARI is the first extended capability
        Assert.IsType<PciFunction>(p.Function("0000:00:00.0"));
        Assert.IsType<DmaTestDevice>(p.Function("0000:00:02.0"));
        // Bus numbers are writable; primary/secondary/subordinate read back.
        p.Machine.ConfigWrite(Port, 0x1A, 1, 0x07);
        Assert.Equal(7, port.SubordinateBus);
    }

    [Fact]
    public void On_power_no_identity_window_is_opened_so_only_the_phb_forwarding_reaches_bars()
    {
        var topo = TopologyJsonReader.Parse("""{ "devices": [ { "bdf": "0000:01:00.0", "kind": "endpoint" } ] }""");
        var p = new PlatformBuilder(topo).WithMemory(0, 1UL << 30).WithBridge(new PowerLikeBridge())
            .WithMem32Window(0x8000_0000, 0xFFFF_FFFF).Build();
        Assert.Empty(p.Machine.PciWindows);
        ulong bar = p.Device("0000:01:00.0").BarBase(0);
        Assert.InRange(bar, 0x8000_0000UL, 0xFFFF_FFFFUL);
        Assert.Equal(ulong.MaxValue >> 32, p.Machine.CpuRead(bar, 4));
        // A PHB forwards its M32 window to the segment's decoder itself.
        Assert.True(p.Machine.Pci.Segment(0).ReadMemory(bar, 4, out ulong id));
        Assert.Equal(DmaTestDevice.Identification, id);
    }

    private sealed class PowerLikeBridge : IIoBridge
    {
        public string Platform => "power-phb";
        public DmaTranslation Translate(in DmaRequest request) => DmaTranslation.Ok(request.Address);
        public InterruptOutcome Remap(in MsiRequest request) => InterruptOutcome.Blocked(0);
    }
}
