using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Topology;

/// <summary>SR-IOV in an lspci listing: which functions are virtual functions decides their multifunction flag and,
/// when their RIDs fall on another bus, the virtual bus Linux puts them on (drivers/pci/iov.c).</summary>
public sealed class LspciSriovTests
{
    private static string Pf(string bdf, string device, int numVfs, int offset, int stride) =>
        $"{bdf} Ethernet controller [0200]: Mellanox Technologies MT27800 Family [ConnectX-5] [15b3:{device}]\n" +
        "\tCapabilities: [60] Express (v2) Endpoint, IntMsgNum 0\n" +
        "\tCapabilities: [180 v1] Single Root I/O Virtualization (SR-IOV)\n" +
        "\t\tIOVCap:\tMigration- 10BitTagReq- IntMsgNum 0\n" +
        "\t\tIOVCtl:\tEnable+ Migration- Interrupt- MSE+ ARIHierarchy+ 10BitTagReq-\n" +
        "\t\tIOVSta:\tMigration-\n" +
        $"\t\tInitial VFs: 8, Total VFs: 8, Number of VFs: {numVfs}, Function Dependency Link: 00\n" +
        $"\t\tVF offset: {offset}, stride: {stride}, Device ID: 1018\n" +
        "\t\tRegion 0: Memory at 00000000e2000000 (64-bit, prefetchable)\n";

    private static string Vf(string bdf) =>
        $"{bdf} Ethernet controller [0200]: Mellanox Technologies MT27800 Family [ConnectX-5 Virtual Function] [15b3:1018]\n" +
        "\tCapabilities: [60] Express (v2) Endpoint, IntMsgNum 0\n";

    private const string RootPortWithAcs =
        "00:01.1 PCI bridge [0604]: AMD GPP Bridge [1022:1483]\n\tBus: primary=00, secondary=03, subordinate=04, sec-latency=0\n" +
        "\tCapabilities: [58] Express (v2) Root Port (Slot+), IntMsgNum 0\n\tCapabilities: [2a0 v1] Access Control Services\n" +
        "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+\n" +
        "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n";

    private const string RootPortWithoutAcs =
        "00:01.1 PCI bridge [0604]: Some Root Port [1234:5678]\n\tBus: primary=00, secondary=03, subordinate=04, sec-latency=0\n" +
        "\tCapabilities: [58] Express (v2) Root Port (Slot+), IntMsgNum 0\n";

    [Fact]
    public void Virtual_functions_in_the_PF_slot_are_not_multifunction_so_each_gets_its_own_group()
    {
        // Without the SR-IOV capability the four same-slot functions would look like one multifunction device
        // without ACS, and Linux would put them in one group; Linux clears multifunction on VFs.
        string text = RootPortWithAcs + Pf("03:00.0", "1017", 3, 1, 1) + Vf("03:00.1") + Vf("03:00.2") + Vf("03:00.3");
        var topo = LspciReader.Parse(text);
        Assert.Equal(Bdf.Parse("03:00.0"), topo.Devices.Single(d => d.Bdf == Bdf.Parse("03:00.2")).PhysicalFunction);
        Assert.Null(topo.Devices.Single(d => d.Bdf == Bdf.Parse("03:00.0")).PhysicalFunction);

        var groups = IsolationGroups.Compute(topo);
        Assert.Equal(5, groups.Groups.Count);

        var withoutSriov = topo with { Devices = topo.Devices.Select(d => d with { PhysicalFunction = null }).ToArray() };
        Assert.True(IsolationGroups.Compute(withoutSriov).SameGroup(Bdf.Parse("03:00.0"), Bdf.Parse("03:00.3")));
    }

    [Fact]
    public void Virtual_functions_on_the_next_bus_sit_on_a_virtual_bus_below_the_PF_bus()
    {
        // VF offset 256: the VFs are 04:00.0 and 04:00.1, a bus no bridge claims. Linux hangs that bus below the
        // PF's bus with no bridge (bus->self NULL), so the ACS walk continues to the root port, which lacks ACS:
        // everything joins the root port's group.
        string text = RootPortWithoutAcs + Pf("03:00.0", "1017", 2, 256, 1) + Vf("04:00.0") + Vf("04:00.1");
        var topo = LspciReader.Parse(text);
        var tree = PciTree.Build(topo);
        int vf = tree.IndexOf(Bdf.Parse("04:00.1"));
        Assert.False(tree.IsOnRootBus(vf));
        Assert.Equal(Bdf.Parse("00:01.1"), tree.BdfOf(tree.ParentBridge(vf)));
        Assert.Equal(["0000:00:01.1", "0000:03:00.0", "0000:04:00.0", "0000:04:00.1"], tree.ProbeOrder.Select(i => tree.BdfOf(i).ToString()));

        var groups = IsolationGroups.Compute(topo);
        var all = Assert.Single(groups.Groups);
        Assert.Equal(4, all.Count);
    }

    [Fact]
    public void Functions_at_VF_positions_of_a_PF_with_VF_Enable_clear_stay_physical()
    {
        string text = (RootPortWithAcs + Pf("03:00.0", "1017", 2, 1, 1)).Replace("Enable+ Migration", "Enable- Migration", StringComparison.Ordinal) + Vf("03:00.1");
        Assert.All(LspciReader.Parse(text).Devices, d => Assert.Null(d.PhysicalFunction));
    }
}
