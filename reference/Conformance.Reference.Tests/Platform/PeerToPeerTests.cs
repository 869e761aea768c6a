using Conformance.Reference.Devices;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.PlatformTests;

/// <summary>Why Linux groups devices behind a switch without ACS together: their DMA can reach each other without the IOMMU.</summary>
public class PeerToPeerTests
{
    private sealed class CountingBridge : IIoBridge
    {
        public int Requests { get; private set; }
        public string Platform => "none";
        public DmaTranslation Translate(in DmaRequest request) { Requests++; return DmaTranslation.Ok(request.Address); }
        public InterruptOutcome Remap(in MsiRequest request) => InterruptOutcome.Blocked(0);
    }

    private static (SimulatedPlatform P, CountingBridge Iommu) Build()
    {
        var iommu = new CountingBridge();
        var p = new PlatformBuilder(TopologyJsonReader.Parse(PlatformBuilderTests.SwitchTopology))
            .WithMemory(0, 1UL << 30).WithBridge(iommu).Build();
        return (p, iommu);
    }

    [Fact]
    public void Below_a_switch_port_without_acs_redirect_dma_to_a_peer_bar_is_routed_by_the_switch_and_never_reaches_the_iommu()
    {
        var (p, iommu) = Build();
        var victim = p.Device("0000:03:00.1");   // behind port 02:01.0
        var attacker = p.Device("0000:04:00.0"); // behind port 02:02.0, which has no ACS
        ulong target = victim.BarBase(0) + DmaTestDevice.LocalMemoryOffset + 0x40;
        var o = attacker.DmaWrite(target, [0xDE, 0xAD, 0xBE, 0xEF]);
        Assert.True(o.IsOk);
        Assert.Equal(victim.Bdf, o.Peer);
        Assert.Equal(0, iommu.Requests);
        Assert.Equal(0xEFBEADDEu, victim.LocalDword(0x40));
        // Reading the peer's registers works the same way.
        Assert.True(attacker.DmaRead(victim.BarBase(0), 4, out var id).IsOk);
        Assert.Equal(DmaTestDevice.Identification, BitConverter.ToUInt32(id));
    }

    [Fact]
    public void With_acs_p2p_request_redirect_on_the_issuers_port_the_request_goes_up_to_the_iommu()
    {
        var (p, iommu) = Build();
        var victim = p.Device("0000:03:00.0");   // 64-bit DMA, behind 02:01.0
        var attacker = p.Device("0000:04:00.0"); // BAR0 above 4 GiB
        var port = Bdf.Parse("0000:02:02.0");
        Assert.Equal(0, p.Function(port).AcsOffset); // this port has no ACS capability: enable it on the other direction instead
        // 03:00.0 sits behind 02:01.0, whose ACS control has RR (0x04) set: its requests are redirected upstream.
        ulong target = attacker.BarBase(0) + DmaTestDevice.RegScratch;
        var o = victim.DmaWrite(target, [1, 2, 3, 4]);
        Assert.Null(o.Peer);
        Assert.Equal(1, iommu.Requests);
        Assert.Equal(DmaResultKind.Abort, o.Kind); // the RC sends it to memory, which is not there
        Assert.Equal(0UL, p.Machine.CpuRead(target, 4));
        // Clear RR on 02:01.0: now the switch routes it to the peer.
        var up = Bdf.Parse("0000:02:01.0");
        int acs = p.Function(up).AcsOffset;
        p.Machine.ConfigWrite(up, acs + 6, 2, p.Machine.ConfigRead(up, acs + 6, 2) & ~0x4u);
        Assert.Equal(attacker.Bdf, victim.DmaWrite(target, [1, 2, 3, 4]).Peer);
        Assert.Equal(0x04030201UL, p.Machine.CpuRead(target, 4));
    }

    [Fact]
    public void Functions_of_one_multifunction_device_without_acs_reach_each_other_internally()
    {
        var (p, iommu) = Build();
        var f0 = p.Device("0000:03:00.0");
        var f1 = p.Device("0000:03:00.1");
        var o = f0.DmaWrite(f1.BarBase(0) + DmaTestDevice.RegScratch, [0x55, 0, 0, 0]);
        Assert.Equal(f1.Bdf, o.Peer);
        Assert.Equal(0, iommu.Requests);
        Assert.Equal(0x55UL, p.Machine.CpuRead(f1.BarBase(0) + DmaTestDevice.RegScratch, 4));
    }

    [Fact]
    public void An_address_inside_the_switch_range_that_no_port_claims_ends_in_unsupported_request()
    {
        var (p, iommu) = Build();
        var attacker = p.Device("0000:04:00.0");
        var upstream = p.Bridge(Bdf.Parse("0000:01:00.0"));
        var ports = new[] { p.Bridge(Bdf.Parse("0000:02:01.0")), p.Bridge(Bdf.Parse("0000:02:02.0")) };
        // Find 1 MiB in the upstream port's window that neither downstream port forwards.
        ulong hole = Enumerable.Range(0, 4096).Select(i => upstream.MemoryWindow.Base + ((ulong)i << 20))
            .First(a => upstream.MemoryWindow.Contains(a, 4) && ports.All(d => !d.ForwardsMemory(a, 4)) || a > upstream.MemoryWindow.Limit);
        if (!upstream.MemoryWindow.Contains(hole, 4))
        {
            // The windows are packed: open a hole by widening the upstream port's window by 1 MiB.
            hole = upstream.MemoryWindow.Limit + 1;
            p.Machine.ConfigWrite(upstream.Bdf, 0x22, 2, (uint)(hole >> 16) & 0xFFF0);
            p.Machine.ConfigWrite(Bdf.Parse("0000:00:1c.0"), 0x22, 2, (uint)(hole >> 16) & 0xFFF0);
        }
        var o = attacker.DmaWrite(hole, [1]);
        Assert.Equal(DmaResultKind.Abort, o.Kind);
        Assert.Equal(0, iommu.Requests);
        Assert.Equal(0x2000u, p.Machine.ConfigRead(attacker.Bdf, 0x06, 2) & 0x2000);
    }
}
