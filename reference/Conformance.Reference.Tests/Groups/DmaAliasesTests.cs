using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Groups;

public sealed class DmaAliasesTests
{
    private static string Case(string name) =>
        Path.Combine(TestPaths.RepoRoot, "reference", "Conformance.Reference.Tests", "Groups", "cases", name + ".topology.json");

    private static DmaAliases For(string name) => DmaAliases.For(PciTree.Build(TopologyJsonReader.ReadFile(Case(name))));

    [Fact]
    public void A_device_behind_a_PCIe_to_PCI_bridge_then_a_conventional_bridge_reaches_the_root_as_secondary_bus_devfn_0()
    {
        var a = For("01-alias-chain-pcie-to-pci-then-conventional");
        // pci_for_each_dma_alias: own RID, the conventional bridge's RID, then (secondary 02, devfn 0) of the PCIe-to-PCI bridge.
        Assert.Equal(new[] { Bdf.Parse("03:01.0"), Bdf.Parse("02:02.0"), Bdf.Parse("02:00.0") }, a.AliasesOf(Bdf.Parse("03:01.0")));
        Assert.Equal(Bdf.Parse("02:00.0"), a.WireRequester(Bdf.Parse("03:01.0")));
        Assert.Equal(Bdf.Parse("02:00.0"), a.WireRequester(Bdf.Parse("02:01.0")));
    }

    [Fact]
    public void A_PCIe_endpoint_below_root_and_switch_ports_keeps_its_own_requester_id()
    {
        var a = For("03-pcie-to-pci-bridge-behind-switch");
        Assert.Equal(new[] { Bdf.Parse("05:00.0") }, a.AliasesOf(Bdf.Parse("05:00.0")));
        Assert.Equal(Bdf.Parse("05:00.0"), a.WireRequester(Bdf.Parse("05:00.0")));
        Assert.Equal(Bdf.Parse("04:00.0"), a.WireRequester(Bdf.Parse("04:01.0")));
    }

    [Fact]
    public void Behind_a_reverse_bridge_and_a_conventional_bridge_the_outermost_bridge_owns_the_transaction()
    {
        var a = For("02-pci-x-reverse-bridge");
        Assert.Equal(new[] { Bdf.Parse("06:00.0"), Bdf.Parse("05:00.0"), Bdf.Parse("00:1e.0") }, a.AliasesOf(Bdf.Parse("06:00.0")));
        Assert.Equal(Bdf.Parse("00:1e.0"), a.WireRequester(Bdf.Parse("06:00.0")));
    }

    [Fact]
    public void Marvell_88SE9123_function_0_issues_DMA_as_function_1()
    {
        var a = For("09-dma-alias-quirks");
        Assert.Equal(new[] { Bdf.Parse("06:00.0"), Bdf.Parse("06:00.1") }, a.AliasesOf(Bdf.Parse("06:00.0")));
        Assert.Equal(Bdf.Parse("06:00.1"), a.WireRequester(Bdf.Parse("06:00.0")));
        Assert.Equal(Bdf.Parse("05:00.0"), a.WireRequester(Bdf.Parse("05:00.3")));
        Assert.Equal(Bdf.Parse("05:00.1"), a.WireRequester(Bdf.Parse("05:00.1")));
    }

    [Fact]
    public void A_function_in_a_VMD_domain_issues_DMA_as_the_VMD_endpoint()
    {
        var a = For("10-vmd-with-children");
        Assert.Equal(Bdf.Parse("0000:00:0e.0"), a.WireRequester(Bdf.Parse("10000:e1:00.0")));
        Assert.Equal(Bdf.Parse("0000:00:0e.0"), a.RealDmaDevice(Bdf.Parse("10000:e2:00.0")));
        Assert.Equal(new[] { Bdf.Parse("0000:00:0e.0") }, a.AliasesOf(Bdf.Parse("10000:e0:06.0")));
    }

    [Fact]
    public void ASMedia_1080_conventional_bridge_below_a_root_port_aliases_as_a_PCIe_to_PCI_bridge()
    {
        // quirk_use_pcie_bridge_dma_alias sets PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS: devices behind it appear as (secondary, 0).
        var topo = new TopologySpec([
            new DeviceSpec { Bdf = Bdf.Parse("00:1c.0"), Kind = DeviceKind.RootPort, Vendor = 0x8086, DeviceId = 0xa338, Secondary = 1, Subordinate = 2 },
            new DeviceSpec { Bdf = Bdf.Parse("01:00.0"), Kind = DeviceKind.PciBridge, Vendor = 0x1b21, DeviceId = 0x1080, Secondary = 2, Subordinate = 2 },
            new DeviceSpec { Bdf = Bdf.Parse("02:03.0"), Kind = DeviceKind.PciDevice, Vendor = 0x1102, DeviceId = 0x0002 },
        ]);
        Assert.Equal(Bdf.Parse("02:00.0"), DmaAliases.WireRequester(topo, Bdf.Parse("02:03.0")));
        var plain = topo with { Devices = [topo.Devices[0], topo.Devices[1] with { Vendor = 0x104c, DeviceId = 0xac28 }, topo.Devices[2]] };
        Assert.Equal(Bdf.Parse("01:00.0"), DmaAliases.WireRequester(plain, Bdf.Parse("02:03.0")));
    }

    [Fact]
    public void An_address_not_in_the_topology_is_its_own_requester()
    {
        var a = For("04-acs-missing-on-one-hop");
        Assert.Equal(Bdf.Parse("7f:00.0"), a.WireRequester(Bdf.Parse("7f:00.0")));
        Assert.Equal(new[] { Bdf.Parse("7f:00.0") }, a.AliasesOf(Bdf.Parse("7f:00.0")));
    }
}
