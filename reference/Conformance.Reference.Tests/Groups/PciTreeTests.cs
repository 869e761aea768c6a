using Conformance.Reference.Pci;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Groups;

public sealed class PciTreeTests
{
    private static DeviceSpec Dev(string bdf, DeviceKind kind, byte? sec = null, byte? sub = null) =>
        new() { Bdf = Bdf.Parse(bdf), Kind = kind, Secondary = sec, Subordinate = sub ?? sec };

    [Fact]
    public void Probe_order_is_Linux_depth_first_scan_whatever_the_input_order()
    {
        // Bus 0 has two root ports; the second's bus number is lower than the first's children (firmware numbered
        // them out of depth-first order), which only a real depth-first scan gets right.
        var devices = new[]
        {
            Dev("00:01.0", DeviceKind.RootPort, 5, 6), Dev("00:02.0", DeviceKind.RootPort, 2),
            Dev("05:00.0", DeviceKind.UpstreamPort, 6), Dev("06:00.0", DeviceKind.Endpoint),
            Dev("02:00.0", DeviceKind.Endpoint), Dev("00:00.0", DeviceKind.HostBridge), Dev("00:1f.0", DeviceKind.PciDevice),
        };
        string[] expected = ["0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:00:1f.0", "0000:05:00.0", "0000:06:00.0", "0000:02:00.0"];
        foreach (var order in new[] { devices, devices.Reverse().ToArray() })
        {
            var tree = PciTree.Build(new TopologySpec(order));
            Assert.Equal(expected, tree.ProbeOrder.Select(i => tree.BdfOf(i).ToString()));
        }
    }

    [Fact]
    public void Parent_bridge_multifunction_and_children_are_derived_from_bus_numbers_and_slots()
    {
        var tree = PciTree.Build(new TopologySpec([
            Dev("00:1c.0", DeviceKind.RootPort, 1), Dev("00:1c.4", DeviceKind.RootPort, 2),
            Dev("01:00.0", DeviceKind.Endpoint), Dev("01:00.1", DeviceKind.Endpoint), Dev("02:00.0", DeviceKind.Endpoint),
        ]));
        int rp = tree.IndexOf(Bdf.Parse("00:1c.0"));
        Assert.True(tree.IsOnRootBus(rp));
        Assert.Equal(rp, tree.ParentBridge(tree.IndexOf(Bdf.Parse("01:00.1"))));
        Assert.Equal(["0000:01:00.0", "0000:01:00.1"], tree.Children(rp).Select(i => tree.BdfOf(i).ToString()));
        Assert.True(tree.IsMultifunction(rp));
        Assert.True(tree.IsMultifunction(tree.IndexOf(Bdf.Parse("01:00.0"))));
        Assert.False(tree.IsMultifunction(tree.IndexOf(Bdf.Parse("02:00.0"))));
    }

    [Fact]
    public void Two_bridges_claiming_one_secondary_bus_are_rejected()
    {
        var ex = Assert.Throws<InputException>(() => PciTree.Build(new TopologySpec([
            Dev("00:01.0", DeviceKind.RootPort, 1), Dev("00:02.0", DeviceKind.RootPort, 1)])));
        Assert.Contains("secondary bus 01", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bridge_below_its_own_secondary_bus_is_rejected()
    {
        var ex = Assert.Throws<InputException>(() => PciTree.Build(new TopologySpec([
            Dev("00:01.0", DeviceKind.RootPort, 1), Dev("05:00.0", DeviceKind.UpstreamPort, 6), Dev("06:00.0", DeviceKind.DownstreamPort, 5)])));
        Assert.Contains("loop", ex.Message, StringComparison.Ordinal);
    }
}
