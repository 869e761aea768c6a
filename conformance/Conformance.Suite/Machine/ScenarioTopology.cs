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

        DeviceSpec Endpoint(Bdf bdf, int mask = 64, bool? multifunction = null, AcsSpec? fnAcs = null, ulong? subPageBase = null)
        {
            ulong bar0 = 0x4000UL << random.Int(0, 2);       // 16, 32 or 64 KiB, MSI-X table and PBA inside
            var bars = new List<BarSpec> { new(0, bar0, BarKind.Mem32), new(2, 0x2000UL << random.Int(0, 1), BarKind.Mem64, Prefetch: true) };
            if (subPageBase is { } b) bars.Add(new BarSpec(4, 0x100, BarKind.Mem32, Base: b));
            return new DeviceSpec
            {
                Bdf = bdf, Kind = DeviceKind.Endpoint, Vendor = 0x1b36, DeviceId = 0x0010, ClassCode = 0x010802,
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

        // Groups come from the platform knowledge, exactly as Linux computes them; a group holding a function that
        // a host driver uses (04:00.0), or a bridge (bound to pcieport, never assignable), is not viable.
        var spec = new TopologySpec(devices);
        var computed = IsolationGroups.Compute(spec);
        var groups = computed.Groups.Select((g, i) => new IsolationGroup(i + 1, g,
            Viable: !g.Contains(HostHeld) && g.All(b => devices.First(d => d.Bdf == b).Kind is DeviceKind.Endpoint))).ToList();
        foreach (var (a, b) in new[] { (PairA, PairB) })
            if (!computed.SameGroup(a, b)) throw new InvalidOperationException($"scenario: {a} and {b} should share a group");
        foreach (var (a, b) in new[] { (SharedBus0, SharedBus1), (Solo, PairA) })
            if (computed.SameGroup(a, b)) throw new InvalidOperationException($"scenario: {a} and {b} should be in different groups");
        return new ScenarioTopology(spec, groups);
    }
}
