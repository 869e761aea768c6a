using Conformance.Reference.Pci;
using Conformance.Reference.Power;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Power;

public class PeAssignmentTests
{
    private static DeviceSpec Port(string bdf, DeviceKind kind, int sec, int sub) =>
        new() { Bdf = Bdf.Parse(bdf), Kind = kind, Secondary = (byte)sec, Subordinate = (byte)sub };

    private static DeviceSpec Ep(string bdf, params BarSpec[] bars) => new() { Bdf = Bdf.Parse(bdf), Kind = DeviceKind.Endpoint, Bars = bars };

    [Fact]
    public void Each_bus_with_devices_is_one_PE_numbered_from_the_top_below_the_root_PE()
    {
        var a = PeAssignment.FromTopology(new TopologySpec(PowerRig.DefaultDevices()), 512);
        Assert.Equal([510, 509, 508, 507, 506], a.Pes.Select(p => p.Number));
        Assert.Equal(PeKind.RootBus, a.Pes[0].Kind);
        Assert.Equal(
            ["0000:00:00.0", "0000:01:00.0", "0000:02:01.0 0000:02:02.0", "0000:03:00.0", "0000:04:00.0"],
            a.PeGroups.Select(g => string.Join(' ', g)));
        Assert.Equal([510, 509, 508], a.Pes.Single(p => p.Number == 507).Ancestors);
    }

    /// <summary>
    /// A real PowerNV boot log (PHB3, 256 PEs; reserved PE 0xff): "0001:00 [PE# fe]", "0001:01 [PE# fd]",
    /// "0001:02 [PE# fc]" with 02:01.0, 02:08.0, 02:09.0 added to the same PE, then "0001:08 [PE# fb]".
    /// Bus 3 (behind 02:01.0) has no device and gets no PE.
    /// </summary>
    [Fact]
    public void The_assignment_matches_a_real_PowerNV_boot_log()
    {
        var devices = new List<DeviceSpec>
        {
            Port("0001:00:00.0", DeviceKind.RootPort, 1, 9),
            Port("0001:01:00.0", DeviceKind.UpstreamPort, 2, 9),
            Port("0001:02:01.0", DeviceKind.DownstreamPort, 3, 7),
            Port("0001:02:08.0", DeviceKind.DownstreamPort, 8, 8),
            Port("0001:02:09.0", DeviceKind.DownstreamPort, 9, 9),
            Ep("0001:08:00.0"),
        };
        var a = PeAssignment.FromTopology(new TopologySpec(devices), 256);
        Assert.Equal([(0, 0xfe), (1, 0xfd), (2, 0xfc), (8, 0xfb)], a.Pes.Select(p => (p.Bus, p.Number)));
        Assert.Equal(0xfc, a.PeOf(Bdf.Parse("0001:02:09.0")));
    }

    [Fact]
    public void Behind_a_PCIe_to_PCI_bridge_one_PE_covers_the_whole_subordinate_range()
    {
        var devices = new List<DeviceSpec>
        {
            Port("0000:00:00.0", DeviceKind.RootPort, 1, 7),
            Port("0000:01:00.0", DeviceKind.PcieToPciBridge, 2, 3),
            Port("0000:02:01.0", DeviceKind.PciBridge, 3, 3),
            new() { Bdf = Bdf.Parse("0000:02:02.0"), Kind = DeviceKind.PciDevice },
            new() { Bdf = Bdf.Parse("0000:03:04.0"), Kind = DeviceKind.PciDevice },
        };
        var rig = new PowerRig(devices: devices);
        var all = rig.Platform.Assignment.Pes.Single(p => p.Kind == PeKind.BusAll);
        Assert.Equal((2, 3), (all.Bus, all.BusEnd));
        Assert.Equal(OpalPciBusCompare.Bus7Bits, all.BusCompare);
        Assert.Equal(["0000:02:01.0", "0000:02:02.0", "0000:03:04.0"], all.Members.Select(b => b.ToString()));
        Assert.Equal(all.Number, rig.Phb.PeOf(0x0320));
        Assert.Equal(all.Number, rig.Phb.PeOf(0x0210));
        Assert.Equal(3, rig.Platform.PeGroups.Count); // root bus, bus 1, and the bus-all PE
    }

    [Fact]
    public void A_bus_with_BARs_in_M64_takes_its_segment_number_as_PE_number_with_slaves_for_the_rest()
    {
        const ulong seg = 0x800_0000; // 64 GiB / 512
        var devices = PowerRig.DefaultDevices();
        // 04:00.0 gets a 256 MiB 64-bit BAR at segments 20 and 21 of the M64 window.
        devices[5] = devices[5] with { Bars = [new BarSpec(2, 2 * seg, BarKind.Mem64, Prefetch: true, Base: PowerRig.M64Cpu + 20 * seg)] };
        var rig = new PowerRig(devices: devices);
        var pe = rig.Platform.Assignment.Pes.Single(p => p.Members.Contains(PowerRig.DevB));
        Assert.Equal(20, pe.Number);
        Assert.Equal([21], pe.Slaves);
        Assert.Equal(20, rig.Phb.PeOf(PowerRig.DevB.RequesterId));
        Assert.True(rig.Phb.Peltv.Contains(20, 21));
        Assert.True(rig.Phb.Peltv.Contains(PowerRig.PeBus2, 21)); // the ancestor's vector covers the slave too
        // A stray access in the master's segment freezes the compound PE (master and slave).
        rig.Machine.CpuRead(PowerRig.M64Cpu + 20 * seg + 2 * seg - 8, 8); // inside the BAR: fine
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(20));
        rig.Machine.CpuWrite(PowerRig.M64Cpu + 20 * seg - 8, 8, 1);        // segment 19: PE 19
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(19));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(20));
        Assert.Equal(OpalRc.Success, rig.Opal.EehFreezeSet(0, 20, 3)); // a software freeze of the master only
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(21));
        Assert.Equal(ulong.MaxValue, rig.Machine.CpuRead(PowerRig.M64Cpu + 20 * seg, 8));
    }

    [Fact]
    public void BARs_without_a_base_are_placed_in_M32_from_a_fresh_segment_per_PE()
    {
        var devices = PowerRig.DefaultDevices();
        devices[4] = devices[4] with { Bars = [new BarSpec(0, 0x4000, BarKind.Mem32), new BarSpec(1, 0x10_0000, BarKind.Mem32)] };
        devices[5] = devices[5] with { Bars = [new BarSpec(0, 0x1000, BarKind.Mem32)] };
        var rig = new PowerRig(devices: devices);
        var bases = rig.Platform.Assignment.AssignedBarBases;
        ulong a0 = bases[(PowerRig.DevA, 0)], a1 = bases[(PowerRig.DevA, 1)], b0 = bases[(PowerRig.DevB, 0)];
        ulong segSize = rig.Config.M32SegmentSize;
        Assert.Equal(0UL, a1 % 0x10_0000); // naturally aligned
        Assert.Equal(0UL, a0 % 0x4000);
        Assert.NotEqual((a0 - PowerRig.M32Pci) / segSize, (b0 - PowerRig.M32Pci) / segSize);
        Assert.Equal(PowerRig.PeA, rig.Phb.PeOfCpuAddress(PowerRig.Cpu(a0)));
        Assert.Equal(PowerRig.PeB, rig.Phb.PeOfCpuAddress(PowerRig.Cpu(b0)));
        rig.Machine.CpuWrite(PowerRig.Cpu(b0), 4, 9);
        Assert.Equal(9UL, rig.Machine.CpuRead(PowerRig.Cpu(b0), 4));
    }

    [Fact]
    public void Boot_programs_the_PHB_through_OPAL_and_every_call_succeeds()
    {
        var rig = new PowerRig(bootPes: false);
        var log = rig.Platform.Assignment.Program(rig.Opal, rig.Config);
        Assert.All(log, e => Assert.Equal(0L, e.Result.Rc));
        Assert.Contains(log, e => e.Call == "OPAL_PCI_SET_PE" && e.Args[1] == 507 && e.Args[2] == 0x300 && e.Args[3] == 7);
        Assert.Contains(log, e => e.Call == "OPAL_PCI_SET_PELTV" && e.Args[1] == 510 && e.Args[2] == 507);
        Assert.Contains(log, e => e.Call == "OPAL_PCI_MAP_PE_MMIO_WINDOW" && e.Args[1] == 507 && e.Args[4] == 1);
        Assert.Equal(PowerRig.PeA, rig.Phb.PeOf(PowerRig.DevA.RequesterId));
    }
}

public class PeAssignmentRobustnessTests
{
    [Fact]
    public void Two_bridges_claiming_the_same_bus_still_put_every_function_in_exactly_one_group()
    {
        var devices = new List<DeviceSpec>
        {
            new() { Bdf = Bdf.Parse("0000:00:00.0"), Kind = DeviceKind.RootPort, Secondary = 1, Subordinate = 3 },
            new() { Bdf = Bdf.Parse("0000:01:00.0"), Kind = DeviceKind.UpstreamPort, Secondary = 2, Subordinate = 3 },
            new() { Bdf = Bdf.Parse("0000:02:01.0"), Kind = DeviceKind.DownstreamPort, Secondary = 3, Subordinate = 3 },
            new() { Bdf = Bdf.Parse("0000:02:02.0"), Kind = DeviceKind.DownstreamPort, Secondary = 3, Subordinate = 3 },
            new() { Bdf = Bdf.Parse("0000:03:00.0"), Kind = DeviceKind.Endpoint },
        };
        var groups = PeAssignment.FromTopology(new TopologySpec(devices), 512).PeGroups;
        var all = groups.SelectMany(g => g).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(devices.Count, all.Count);
    }
}
