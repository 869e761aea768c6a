using Conformance.Reference.Pci;
using Conformance.Reference.Power;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Tests;

/// <summary>
/// The scenario's PCIe-to-PCI bridge: the platform facts report the DMA aliases the reference computes, the wire
/// carries them, and each platform's groups keep the two devices behind the bridge together and viable.
/// </summary>
public sealed class ScenarioAliasTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(0xdead_beefUL)]
    public void Devices_behind_the_bridge_report_their_own_RID_then_the_bridge_alias_and_DMA_on_the_wire_as_the_alias(ulong seed)
    {
        var scenario = new Scenario(seed, new IntelVtdPlatform());
        foreach (var fn in new[] { BehindBridgeA, BehindBridgeB })
        {
            Assert.Equal([fn, BridgeAlias], scenario.Facts.DmaAliasesOf(fn));
            Assert.Equal(BridgeAlias, scenario.Facts.Device(fn)!.WireRequester);
            Assert.Equal(BridgeAlias, scenario.Machine.WireRequester(fn));
        }
        // PCIe functions carry only their own RID.
        Assert.Equal([PairB], scenario.Facts.DmaAliasesOf(PairB));
        Assert.Equal(PairB, scenario.Machine.WireRequester(PairB));
        Assert.Equal([ToPciBridge], scenario.Facts.DmaAliasesOf(ToPciBridge));
    }

    [Fact]
    public void On_x86_the_bridge_and_both_devices_form_one_viable_group_and_only_the_host_held_group_is_not_viable()
    {
        var scenario = new Scenario(3, new IntelVtdPlatform());
        var group = scenario.Facts.GroupOf(BehindBridgeA)!;
        Assert.Equal([ToPciBridge, BehindBridgeA, BehindBridgeB], group.Devices.Order());
        Assert.True(group.Viable);
        Assert.Equal([scenario.Facts.GroupOf(HostHeld)!.Id], scenario.Facts.Groups.Where(g => !g.Viable).Select(g => g.Id));
        Assert.Equal([BehindBridgeA, BridgeAlias, BehindBridgeB], scenario.Facts.DmaAliasesOf(group).Where(b => b != ToPciBridge));
    }

    [Fact]
    public void On_POWER_the_devices_behind_the_bridge_are_one_viable_PE_whose_M32_segments_reach_their_BARs()
    {
        var scenario = new Scenario(5, new PowerPhbPlatform());
        var opal = (OpalPci)scenario.Firmware!;
        var group = scenario.Facts.GroupOf(BehindBridgeA)!;
        Assert.Equal([BehindBridgeA, BehindBridgeB], group.Devices.Order());
        Assert.True(group.Viable);
        Assert.NotEqual(group.Id, scenario.Facts.GroupOf(ToPciBridge)!.Id);
        foreach (var fn in group.Devices)
        {
            var f = scenario.Function(fn);
            var (_, bar2) = f.Bars.Single(b => b.Spec.Index == 2);
            scenario.Access.Mmio.Write(bar2 + 0x40, 8, 0x1234_5678_9abc_def0UL);
            Assert.Equal(0x1234_5678_9abc_def0UL, f.Register(2, 0x40));
        }
        var (rc, state, _) = opal.EehFreezeStatus(PowerPhbPlatform.Phb.PhbId, (ulong)group.Id);
        Assert.Equal(OpalRc.Success, rc);
        Assert.Equal(OpalFreezeState.NotFrozen, state);
    }
}
