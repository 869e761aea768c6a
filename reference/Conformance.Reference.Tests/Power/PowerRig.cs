using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Power;

/// <summary>
/// A small POWER9 machine: 64 MiB of memory at 0, one PHB4 (opal id 0, 512 PEs, M32 CPU 0x6000_0000_0000 → PCI
/// 0x8000_0000, 2 GiB; M64 at 0x6200_0000_0000, 64 GiB) rooting segment 0, and a switch with two endpoints:
/// <code>
///   00:00.0 root port  → bus 1: 01:00.0 upstream port → bus 2: 02:01.0 → bus 3: 03:00.0 (BAR0 64K at 0x8040_0000)
///                                                              02:02.0 → bus 4: 04:00.0 (BAR0 64K at 0x8080_0000)
/// </code>
/// Linux assigns PE 510 (root bus), 509 (bus 1), 508 (bus 2), 507 (bus 3), 506 (bus 4).
/// </summary>
public sealed class PowerRig
{
    public const ulong PhbId = 0;
    public const ulong M32Cpu = 0x6000_0000_0000;
    public const ulong M32Pci = 0x8000_0000;
    public const ulong M64Cpu = 0x6200_0000_0000;
    public const int PeRoot = 510, PeBus1 = 509, PeBus2 = 508, PeA = 507, PeB = 506;
    public static readonly Bdf RootPort = Bdf.Parse("0000:00:00.0");
    public static readonly Bdf Upstream = Bdf.Parse("0000:01:00.0");
    public static readonly Bdf Down1 = Bdf.Parse("0000:02:01.0");
    public static readonly Bdf Down2 = Bdf.Parse("0000:02:02.0");
    public static readonly Bdf DevA = Bdf.Parse("0000:03:00.0");
    public static readonly Bdf DevB = Bdf.Parse("0000:04:00.0");
    public const ulong BarA = 0x8040_0000, BarB = 0x8080_0000;

    public PowerRig(bool bootPes = true, IReadOnlyList<DeviceSpec>? devices = null, int numPe = 512, ulong m64Pci = M64Cpu)
    {
        Memory = new PhysicalMemory([new MemoryRegion(0, 64UL << 20)]);
        Machine = new Machine(Memory);
        Config = new PhbConfig
        {
            Id = "phb0", PhbId = PhbId, Segment = 0, NumPe = numPe, MmioBase = 0x6030_0000_0000,
            M32 = new PhbWindow(M32Cpu, M32Pci, 0x8000_0000),
            M64 = new PhbWindow(M64Cpu, m64Pci, 64UL << 30),
        };
        Topology = new TopologySpec(devices ?? DefaultDevices());
        Platform = PowerPlatform.Attach(Machine, [Config], Topology, bootPes: bootPes);
        Phb = Platform.Phbs[0];
    }

    public static List<DeviceSpec> DefaultDevices() =>
    [
        new() { Bdf = RootPort, Kind = DeviceKind.RootPort, Secondary = 1, Subordinate = 4 },
        new() { Bdf = Upstream, Kind = DeviceKind.UpstreamPort, Secondary = 2, Subordinate = 4 },
        new() { Bdf = Down1, Kind = DeviceKind.DownstreamPort, Secondary = 3, Subordinate = 3 },
        new() { Bdf = Down2, Kind = DeviceKind.DownstreamPort, Secondary = 4, Subordinate = 4 },
        new() { Bdf = DevA, Kind = DeviceKind.Endpoint, Bars = [new BarSpec(0, 0x10000, BarKind.Mem32, Base: BarA)] },
        new() { Bdf = DevB, Kind = DeviceKind.Endpoint, Bars = [new BarSpec(0, 0x10000, BarKind.Mem32, Base: BarB)] },
    ];

    public PhysicalMemory Memory { get; }
    public Machine Machine { get; }
    public PhbConfig Config { get; }
    public TopologySpec Topology { get; }
    public PowerPlatform Platform { get; }
    public Phb4 Phb { get; }
    public OpalPci Opal => Platform.Opal;

    public static ulong Cpu(ulong pci) => M32Cpu + (pci - M32Pci);

    public OpalRc MapWindow(int pe, int window, TceTableBuilder t) =>
        Opal.MapPeDmaWindow(PhbId, (ulong)pe, (ushort)(pe * 2 + window), (ushort)t.Levels, t.Root, t.LevelBytes, t.PageSize);

    public DmaOutcome Write(Bdf dev, ulong address, uint value)
    {
        var buf = BitConverter.GetBytes(value);
        return Machine.Dma(dev, address, buf, DmaDirection.Write);
    }

    public (DmaOutcome Outcome, uint Value) Read(Bdf dev, ulong address)
    {
        var buf = new byte[4];
        var o = Machine.Dma(dev, address, buf, DmaDirection.Read);
        return (o, BitConverter.ToUInt32(buf));
    }

    public OpalFreezeState State(int pe)
    {
        var (rc, state, _) = Opal.EehFreezeStatus(PhbId, (ulong)pe);
        Assert.Equal(OpalRc.Success, rc);
        return state;
    }
}
