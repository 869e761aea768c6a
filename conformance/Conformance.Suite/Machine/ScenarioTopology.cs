using Conformance.Adapters.Platform;
using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Suite.Machine;

/// <summary>
/// The topology every check runs on, with its isolation groups. Its shape is fixed so the groups are known by
/// construction and checked against the computed isolation groups (each root port has ACS; a multifunction device without ACS is one group; one with ACS is one group
/// per function); sizes vary with the seed.
/// <list type="bullet">
/// <item>01:00.0 endpoint, its own group</item>
/// <item>02:00.0 + 02:00.1 multifunction without ACS: one group of two</item>
/// <item>03:00.0 endpoint with a 32-bit DMA mask</item>
/// <item>04:00.0 endpoint held by a host driver: its group is not viable</item>
/// <item>05:00.0 and 06:00.1 each have a 256-byte BAR in the same 4 KiB page</item>
/// <item>06:00.0 + 06:00.1 multifunction with ACS: two groups on one bus (one hot-reset scope)</item>
/// <item>07:00.0 PCIe-to-PCI bridge below root port 00:07.0, with conventional PCI devices 08:01.0 and 08:02.0 behind
/// it: both DMA as the bridge's alias 08:00.0 (PCIe-to-PCI Bridge r1.0 §2.3), so Linux puts the bridge and both in
/// one group (on POWER: the two devices form one bus-all PE). The group is viable: the bridge is never assigned.</item>
/// </list>
/// </summary>
public sealed record ScenarioTopology(TopologySpec Spec, IReadOnlyList<IsolationGroup> Groups)
{
    public static readonly Bdf Solo = new(0, 1, 0, 0);
    public static readonly Bdf PairA = new(0, 2, 0, 0);
    public static readonly Bdf PairB = new(0, 2, 0, 1);
    public static readonly Bdf Mask32 = new(0, 3, 0, 0);
    public static readonly Bdf HostHeld = new(0, 4, 0, 0);
    public static readonly Bdf SubPage = new(0, 5, 0, 0);
    public static readonly Bdf SharedBus0 = new(0, 6, 0, 0);
    public static readonly Bdf SharedBus1 = new(0, 6, 0, 1);
    /// <summary>The PCIe-to-PCI bridge (secondary bus 8) below root port 00:07.0.</summary>
    public static readonly Bdf ToPciBridge = new(0, 7, 0, 0);
    /// <summary>Conventional PCI devices behind <see cref="ToPciBridge"/>; neither sits at devfn 0, so the alias is
    /// nobody's own requester ID.</summary>
    public static readonly Bdf BehindBridgeA = new(0, 8, 1, 0);
    public static readonly Bdf BehindBridgeB = new(0, 8, 2, 0);
    /// <summary>The requester ID the bridge takes ownership of their DMA with: (secondary bus, devfn 0).</summary>
    public static readonly Bdf BridgeAlias = new(0, 8, 0, 0);

    /// <summary>Where the two 256-byte BARs that share a page live.</summary>
    public const ulong SubPageBarPage = 0xDFF0_0000;

    public static ScenarioTopology Build(Bogus.Randomizer random)
    {
        var devices = new List<DeviceSpec>
        {
            new() { Bdf = new Bdf(0, 0, 0, 0), Kind = DeviceKind.HostBridge, Vendor = 0x8086, DeviceId = 0x1237, ClassCode = 0x060000 },
        };
        var acs = new AcsSpec(0x1f, 0x1d);
        for (byte bus = 1; bus <= 6; bus++)
            devices.Add(new() { Bdf = new Bdf(0, 0, bus, 0), Kind = DeviceKind.RootPort, Vendor = 0x8086, DeviceId = 0x7ab8, ClassCode = 0x060400, Secondary = bus, Subordinate = bus, Acs = acs });
        devices.Add(new() { Bdf = new Bdf(0, 0, 7, 0), Kind = DeviceKind.RootPort, Vendor = 0x8086, DeviceId = 0x7ab8, ClassCode = 0x060400, Secondary = 7, Subordinate = 8, Acs = acs });
        // A PCIe-to-PCI bridge (PI7C9X111-like: Pericom 12d8:e111) with conventional PCI devices on its secondary bus.
        devices.Add(new() { Bdf = ToPciBridge, Kind = DeviceKind.PcieToPciBridge, Vendor = 0x12d8, DeviceId = 0xe111, ClassCode = 0x060400, Secondary = 8, Subordinate = 8 });

        DeviceSpec Endpoint(Bdf bdf, int mask = 64, bool? multifunction = null, AcsSpec? fnAcs = null, ulong? subPageBase = null, DeviceKind kind = DeviceKind.Endpoint)
        {
            ulong bar0 = 0x4000UL << random.Int(0, 2);       // 16, 32 or 64 KiB, MSI-X table and PBA inside
            var bars = new List<BarSpec> { new(0, bar0, BarKind.Mem32), new(2, 0x2000UL << random.Int(0, 1), BarKind.Mem64, Prefetch: true) };
            if (subPageBase is { } b) bars.Add(new BarSpec(4, 0x100, BarKind.Mem32, Base: b));
            return new DeviceSpec
            {
                Bdf = bdf, Kind = kind, Vendor = 0x1b36, DeviceId = 0x0010, ClassCode = 0x010802,
                Bars = bars, Msix = new MsixSpec(8, 0, (uint)(bar0 / 2), 0, (uint)(bar0 / 2 + 0x1000)),
                DmaMaskBits = mask, Multifunction = multifunction, Acs = fnAcs,
            };
        }

        devices.Add(Endpoint(Solo));
        devices.Add(Endpoint(PairA, multifunction: true));
        devices.Add(Endpoint(PairB, multifunction: true));
        devices.Add(Endpoint(Mask32, mask: 32));
        devices.Add(Endpoint(HostHeld));
        devices.Add(Endpoint(SubPage, subPageBase: SubPageBarPage));
        devices.Add(Endpoint(SharedBus0, multifunction: true, fnAcs: acs));
        devices.Add(Endpoint(SharedBus1, multifunction: true, fnAcs: acs, subPageBase: SubPageBarPage + 0x100));
        devices.Add(Endpoint(BehindBridgeA, kind: DeviceKind.PciDevice));
        devices.Add(Endpoint(BehindBridgeB, kind: DeviceKind.PciDevice));

        // Groups come from the platform knowledge, exactly as Linux computes them; a group holding a function that
        // a host driver uses (04:00.0) is not viable. Bridges are bound to pcieport or to no driver, which VFIO allows
        // in a viable group (vfio_dev_driver_allowed); they are never assigned themselves.
        var spec = new TopologySpec(devices);
        var computed = IsolationGroups.Compute(spec);
        var groups = computed.Groups.Select((g, i) => new IsolationGroup(i + 1, g, Viable: IsViable(g))).ToList();
        foreach (var (a, b) in new[] { (PairA, PairB), (BehindBridgeA, BehindBridgeB), (ToPciBridge, BehindBridgeA) })
            if (!computed.SameGroup(a, b)) throw new InvalidOperationException($"scenario: {a} and {b} should share a group");
        foreach (var (a, b) in new[] { (SharedBus0, SharedBus1), (Solo, PairA) })
            if (computed.SameGroup(a, b)) throw new InvalidOperationException($"scenario: {a} and {b} should be in different groups");
        return new ScenarioTopology(spec, groups);
    }

    /// <summary>VFIO's VIABLE for the scenario: no member is bound to a host driver that uses the DMA API (only
    /// <see cref="HostHeld"/> is); bridges (pcieport or no driver) do not make a group non-viable.</summary>
    public static bool IsViable(IEnumerable<Bdf> members) => !members.Contains(HostHeld);
}
