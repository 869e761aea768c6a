using Bogus;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

/// <summary>A generated machine and the isolation groups it was built to have.</summary>
/// <param name="Topology">The machine.</param>
/// <param name="AssignableGroups">The groups that were asked for, in the order asked, each sorted by BDF.</param>
/// <param name="InfrastructureGroups">The other groups of the machine (host bridge, root ports), each a single function.</param>
public sealed record ScenarioMachine(TopologySpec Topology, IReadOnlyList<IReadOnlyList<Bdf>> AssignableGroups, IReadOnlyList<IReadOnlyList<Bdf>> InfrastructureGroups)
{
    /// <summary>Every group of the machine, sorted by first member (formats.md §3 order).</summary>
    public IReadOnlyList<IReadOnlyList<Bdf>> AllGroups =>
        [.. AssignableGroups.Concat(InfrastructureGroups).OrderBy(g => g[0])];
}

public sealed partial class TopologyGenerator
{
    /// <summary>
    /// A small machine whose isolation groups (as Linux's <c>pci_device_group</c> forms them) have the given sizes:
    /// one host bridge and, per requested group, a root port with ACS (0x5f, SV|RR|CR|UF enabled) below which sits
    /// a single-function endpoint (size 1), a multifunction endpoint without ACS (sizes 2-8: its functions share the
    /// group), or a PCIe-to-PCI bridge and size-1 conventional functions (sizes 9-256: the bridge is the DMA alias of
    /// everything behind it, so it joins their group). The host bridge and each root port form groups of their own.
    /// The seed picks the chipset flavour, device models and slot layout.
    /// </summary>
    public static ScenarioMachine SmallMachine(int seed, params int[] devicesPerGroup)
    {
        ArgumentNullException.ThrowIfNull(devicesPerGroup);
        if (devicesPerGroup.Length is 0 or > 31 * 8) throw new ArgumentException("ask for 1-248 groups", nameof(devicesPerGroup));
        if (devicesPerGroup.Any(n => n is < 1 or > 256)) throw new ArgumentException("a group holds 1-256 functions here", nameof(devicesPerGroup));
        int buses = devicesPerGroup.Sum(n => n > 8 ? 2 : 1);
        if (buses > 255) throw new ArgumentException($"these groups need {buses} buses; a segment has 255 below the root bus", nameof(devicesPerGroup));

        var r = new Randomizer(seed);
        bool amd = r.Bool();
        var root = new BusNode(BusKind.Root);
        root.Add(0, 0, Spec(DeviceKind.HostBridge, amd ? Amd : Intel, amd ? (ushort)0x1480 : (ushort)0xa707, 0x060000));
        // Root ports at devices 1.., functions 0-7, in a seeded order of slots.
        var slots = Enumerable.Range(0, devicesPerGroup.Length).Select(i => (Dev: 1 + i / 8, Fn: i % 8)).ToList();
        var groupPorts = new List<BusNode>();
        for (int g = 0; g < devicesPerGroup.Length; g++)
        {
            var link = new BusNode(BusKind.PcieLink);
            root.Add(slots[g].Dev, slots[g].Fn, Bridge(DeviceKind.RootPort, amd ? Amd : Intel, amd ? (ushort)0x1483 : (ushort)(0x347a + slots[g].Fn), AcsBits.FullPort), link);
            groupPorts.Add(link);
            int n = devicesPerGroup[g];
            if (n == 1)
            {
                var model = DeviceCatalog.Endpoints[r.Number(0, DeviceCatalog.Endpoints.Count - 1)];
                link.Add(0, 0, model.Functions[0].ToSpec());
            }
            else if (n <= 8)
            {
                var models = DeviceCatalog.MultifunctionEndpoints.Concat(DeviceCatalog.QuirkedMultifunctionEndpoints)
                    .SelectMany(m => m.Functions).Where(f => f.Acs is null && !IsMfAcsQuirked(f)).ToList();
                for (int fn = 0; fn < n; fn++) link.Add(0, fn, models[r.Number(0, models.Count - 1)].ToSpec() with { Multifunction = true });
            }
            else
            {
                var conventional = new BusNode(BusKind.Conventional);
                link.Add(0, 0, Bridge(DeviceKind.PcieToPciBridge, 0x1a03, 0x1150), conventional);
                var models = DeviceCatalog.ConventionalDevices.SelectMany(m => m.Functions).Where(f => !IsDmaAliasQuirked(f)).ToList();
                int start = r.Number(0, 31);
                for (int k = 0; k < n - 1; k++)
                {
                    int dev = (start + k) % 32, fn = k / 32;
                    conventional.Add(dev, fn, models[r.Number(0, models.Count - 1)].ToSpec());
                }
            }
        }

        var devices = new List<DeviceSpec>();
        BusNumbering.Number(root, 0, 0, devices);
        devices.Sort((a, b) => a.Bdf.CompareTo(b.Bdf));
        var topology = new TopologySpec(devices);

        var byPort = devices.Where(d => d.Kind == DeviceKind.RootPort).ToDictionary(d => (d.Bdf.Device, d.Bdf.Function));
        var assignable = new List<IReadOnlyList<Bdf>>();
        var infrastructure = new List<IReadOnlyList<Bdf>> { new[] { devices[0].Bdf } };
        for (int g = 0; g < devicesPerGroup.Length; g++)
        {
            var port = byPort[((byte)slots[g].Dev, (byte)slots[g].Fn)];
            infrastructure.Add(new[] { port.Bdf });
            assignable.Add(devices.Where(d => d.Bdf.Segment == 0 && d.Bdf.Bus >= port.Secondary && d.Bdf.Bus <= port.Subordinate)
                .Select(d => d.Bdf).OrderBy(b => b).ToList());
        }
        return new ScenarioMachine(topology, assignable, infrastructure);
    }

    private static bool IsMfAcsQuirked(FunctionModel f) => QuirkIds.MfEndpointAcs.Contains((f.Vendor, f.Device));

    private static bool IsDmaAliasQuirked(FunctionModel f) =>
        QuirkIds.DmaAliasFunc0.Contains((f.Vendor, f.Device)) || QuirkIds.DmaAliasFunc1.Contains((f.Vendor, f.Device));
}
