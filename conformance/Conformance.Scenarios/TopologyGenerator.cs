using Bogus;
using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

/// <summary>
/// Seeded generator of realistic PCI topologies (formats.md §1 model): Intel or AMD root complexes with root ports
/// (with full ACS, ACS lacking RR/CR/UF, no ACS), RCiEPs and multifunction root-complex devices, PCIe switches,
/// PCIe-to-PCI(-X) bridges with conventional devices, conventional PCI bridges, multifunction endpoints with and
/// without ACS, devices from Linux's ACS and DMA-alias quirk tables, and optionally an Intel VMD domain. Bus numbers
/// are assigned depth first as firmware does (<see cref="BusNumbering"/>). Only a local <see cref="Randomizer"/> is used.
/// </summary>
public sealed partial class TopologyGenerator
{
    private readonly TopologyOptions o;
    private readonly Randomizer r;
    private readonly Chipset chipset;
    private int functionsLeft;
    private int busesLeft;

    private TopologyGenerator(TopologyOptions options)
    {
        if (options.Functions < 1) throw new ArgumentOutOfRangeException(nameof(options), "a topology needs at least one function");
        if (options.RootComplexesPerSegment is < 1 or > 128) throw new ArgumentOutOfRangeException(nameof(options), "RootComplexesPerSegment must be 1-128");
        o = options;
        r = new Randomizer(options.Seed);
        chipset = options.Chipset ?? (r.Bool() ? Chipset.Intel : Chipset.Amd);
        functionsLeft = options.Functions;
    }

    /// <summary>Generates a topology of exactly <see cref="TopologyOptions.Functions"/> functions, sorted by BDF.</summary>
    public static TopologySpec Generate(TopologyOptions options) => new TopologyGenerator(options).Run();

    public static TopologySpec Generate(int seed, int functions) => Generate(new TopologyOptions { Seed = seed, Functions = functions });

    private TopologySpec Run()
    {
        var devices = new List<DeviceSpec>(o.Functions);
        int busesPerRc = 256 / o.RootComplexesPerSegment;
        bool vmd = chipset == Chipset.Intel && (o.Vmd ?? r.Bool(0.3f));
        int segment = 0, rcInSegment = 0, vmdDomain = QuirkIds.FirstVmdDomain;
        while (functionsLeft > 0)
        {
            bool first = devices.Count == 0;
            var root = new BusNode(BusKind.Root);
            busesLeft = busesPerRc - 1;
            BusNode? vmdRoot = null;
            if (chipset == Chipset.Intel)
            {
                if (first) vmdRoot = BuildIntelClient(root, vmd);
                else BuildIntelServer(root);
            }
            else
            {
                BuildAmd(root, rootBusZero: rcInSegment == 0);
            }
            BusNumbering.Number(root, segment, rcInSegment * busesPerRc, devices);
            if (vmdRoot is not null) BusNumbering.Number(vmdRoot, vmdDomain++, VmdFirstBus, devices);
            if (++rcInSegment == o.RootComplexesPerSegment) { rcInSegment = 0; segment++; }
        }
        devices.Sort((a, b) => a.Bdf.CompareTo(b.Bdf));
        return new TopologySpec(devices);
    }

    // ---- placing functions within the budgets ----

    private T Pick<T>(IReadOnlyList<T> list) => list[r.Number(0, list.Count - 1)];

    private bool Place(BusNode bus, int device, int function, DeviceSpec spec)
    {
        if (functionsLeft == 0 || bus.IsUsed(device, function)) return false;
        bus.Add(device, function, spec);
        functionsLeft--;
        return true;
    }

    /// <summary>Places a bridge and returns its (empty) secondary bus, or null when no function or bus number is left.</summary>
    private BusNode? PlaceBridge(BusNode bus, int device, int function, DeviceSpec spec, BusKind below)
    {
        if (functionsLeft == 0 || busesLeft == 0 || bus.IsUsed(device, function)) return null;
        var child = new BusNode(below);
        bus.Add(device, function, spec, child);
        functionsLeft--;
        busesLeft--;
        return child;
    }

    private int PlaceModel(BusNode bus, int device, DeviceModel model)
    {
        int placed = 0;
        for (int i = 0; i < model.Functions.Count; i++)
        {
            if (Place(bus, device, model.FunctionNumber(i), model.Functions[i].ToSpec())) placed++;
        }
        return placed;
    }

    private static DeviceSpec Spec(DeviceKind kind, ushort vendor, ushort device, uint cls, AcsSpec? acs = null) => new()
    {
        Bdf = default, Kind = kind, Vendor = vendor, DeviceId = device, ClassCode = cls, Acs = acs,
    };

    private static DeviceSpec Bridge(DeviceKind kind, ushort vendor, ushort device, AcsSpec? acs = null) =>
        Spec(kind, vendor, device, 0x060400, acs);

    /// <summary>The ACS a port shows: its model's capability, usually as Linux enabled it, sometimes left off; with
    /// <see cref="TopologyOptions.AcsVariety"/> off, always full ACS.</summary>
    private AcsSpec? PortAcs(AcsSpec? model)
    {
        if (!o.AcsVariety) return AcsBits.FullPort;
        if (model is null) return null;
        if (model.Cap != 0 && r.Bool(0.1f)) return model with { Ctl = 0 };
        return model;
    }

    private AcsSpec? RootPortAcs()
    {
        if (!o.AcsVariety) return AcsBits.FullPort;
        int roll = r.Number(0, 99);
        return roll switch
        {
            < 75 => PortAcs(AcsBits.FullPort),
            < 85 => AcsBits.SvTbOnly,
            _ => null,
        };
    }

    // ---- what hangs below a root or downstream port ----

    /// <summary>Fills the link below a root or downstream port (device 0 only).</summary>
    private void FillLink(BusNode link, int switchDepth)
    {
        if (functionsLeft == 0) return;
        int roll = r.Number(0, 99);
        if (roll < 5) return; // an empty slot
        if (roll < 20 && o.Switches && switchDepth < o.MaxSwitchDepth && busesLeft >= 2) { AddSwitch(link, switchDepth); return; }
        if (roll < 30 && o.PciBridges && busesLeft >= 1) { AddPciBridgeBelowPort(link); return; }
        if (roll < 40 && o.Quirks)
        {
            PlaceModel(link, 0, r.Bool() ? Pick(DeviceCatalog.QuirkedMultifunctionEndpoints) : Pick(DeviceCatalog.DmaAliasEndpoints));
            return;
        }
        if (roll < 62 && o.MultifunctionEndpoints)
        {
            // AMD's on-chip functions only appear on AMD machines.
            var models = chipset == Chipset.Amd ? DeviceCatalog.MultifunctionEndpoints
                : DeviceCatalog.MultifunctionEndpoints.Where(m => m.Functions[0].Vendor != QuirkIds.Amd).ToList();
            PlaceModel(link, 0, Pick(models));
            return;
        }
        PlaceModel(link, 0, Pick(DeviceCatalog.Endpoints));
    }

    private sealed record SwitchModel(string Name, ushort Vendor, ushort Usp, ushort Dsp, AcsSpec? DspAcs, int[] DspDevices,
        ushort AltDsp = 0, AcsSpec? AltDspAcs = null, int AltFrom = int.MaxValue);

    /// <summary>Switches seen in real machines (fixtures 01, 08; facts §1.2).</summary>
    private static readonly SwitchModel[] Switches =
    [
        new("Broadcom/PLX PEX8747", 0x10b5, 0x8747, 0x8747, AcsBits.FullPort, [0x08, 0x09, 0x0a, 0x10]),
        new("Broadcom PEX88096", 0x1000, 0xc010, 0xc010, AcsBits.FullPort, [0, 1, 2, 3, 4, 5, 6, 7]),
        // AMD X570 chipset: 57a3 ports implement ACS, 57a4 ports (devices 8-a) do not (fixture 01, bus 21).
        new("AMD Matisse chipset switch", 0x1022, 0x57ad, 0x57a3, AcsBits.FullPort, [1, 2, 4, 5, 6, 8, 9, 10], 0x57a4, null, AltFrom: 5),
        new("ASMedia ASM1184e", 0x1b21, 0x1184, 0x1184, null, [1, 3, 5, 7]),
        new("Pericom PI7C9X2G404", 0x12d8, 0x2404, 0x2404, new AcsSpec(0x1f, 0x1d), [1, 2, 3]),
        new("Intel DG2 card switch", 0x8086, 0x4fa0, 0x4fa4, null, [1, 4]),
    ];

    private void AddSwitch(BusNode link, int switchDepth)
    {
        var model = Switches[r.Number(0, Switches.Length - 1)];
        var internalBus = PlaceBridge(link, 0, 0, Bridge(DeviceKind.UpstreamPort, model.Vendor, model.Usp), BusKind.SwitchInternal);
        if (internalBus is null) return;
        int ports = r.Number(Math.Min(2, model.DspDevices.Length), model.DspDevices.Length);
        for (int i = 0; i < ports; i++)
        {
            bool alt = i >= model.AltFrom;
            var spec = Bridge(DeviceKind.DownstreamPort, model.Vendor, alt ? model.AltDsp : model.Dsp, PortAcs(alt ? model.AltDspAcs : model.DspAcs));
            var below = PlaceBridge(internalBus, model.DspDevices[i], 0, spec, BusKind.PcieLink);
            if (below is null) return;
            FillLink(below, switchDepth + 1);
        }
    }

    /// <summary>A PCIe-to-PCI or PCIe-to-PCI-X bridge, or a conventional bridge without a PCIe capability (a quirked one), below a port.</summary>
    private void AddPciBridgeBelowPort(BusNode link)
    {
        int roll = r.Number(0, 99);
        if (roll < 55)
        {
            // ASPEED AST1150 (fixture 01, 28:00.0), TI XIO2001, Pericom PI7C9X111, PLX PEX8112.
            (ushort v, ushort d) = Pick<(ushort, ushort)>([(0x1a03, 0x1150), (0x104c, 0x8240), (0x12d8, 0xe111), (0x10b5, 0x8112)]);
            var bus = PlaceBridge(link, 0, 0, Bridge(DeviceKind.PcieToPciBridge, v, d), BusKind.Conventional);
            if (bus is not null) FillConventional(bus, pciX: false, nesting: 0);
        }
        else if (roll < 80 || !o.Quirks)
        {
            // PCIe-to-PCI-X: Intel 6702PXH, PLX PEX8114.
            (ushort v, ushort d) = Pick<(ushort, ushort)>([(0x8086, 0x0329), (0x10b5, 0x8114)]);
            var bus = PlaceBridge(link, 0, 0, Bridge(DeviceKind.PcieToPciBridge, v, d) with { PciX = true }, BusKind.Conventional);
            if (bus is not null) FillConventional(bus, pciX: true, nesting: 0);
        }
        else
        {
            // A bridge with no PCIe capability straight below a PCIe port: quirk_use_pcie_bridge_dma_alias.
            var (v, d) = Pick(QuirkIds.PcieBridgeAlias.Where(q => q.Device != 0x244e).ToList());
            var bus = PlaceBridge(link, 0, 0, Bridge(DeviceKind.PciBridge, v, d), BusKind.Conventional);
            if (bus is not null) FillConventional(bus, pciX: false, nesting: 0);
        }
    }

    /// <summary>Conventional (or PCI-X) devices on a bus behind a bridge, sometimes with a further PCI-PCI bridge or a reverse PCI-to-PCIe bridge.</summary>
    private void FillConventional(BusNode bus, bool pciX, int nesting)
    {
        int count = r.Number(1, 5);
        var slots = r.Shuffle(Enumerable.Range(0, 32)).Take(count).ToList();
        foreach (int dev in slots)
        {
            if (functionsLeft == 0) return;
            int roll = r.Number(0, 99);
            if (roll < 10 && nesting < 2 && busesLeft >= 1)
            {
                // DEC 21154 / PLX PCI6152 transparent PCI-PCI bridges.
                (ushort v, ushort d) = Pick<(ushort, ushort)>([(0x1011, 0x0026), (0x10b5, 0x6152)]);
                var below = PlaceBridge(bus, dev, 0, Bridge(DeviceKind.PciBridge, v, d) with { PciX = pciX }, BusKind.Conventional);
                if (below is not null) FillConventional(below, pciX, nesting + 1);
            }
            else if (roll < 14 && !pciX && busesLeft >= 1)
            {
                // Pericom PI7C9X110 in reverse mode: PCI to PCI Express (Linux PCI_EXP_TYPE_PCIE_BRIDGE).
                var below = PlaceBridge(bus, dev, 0, Bridge(DeviceKind.PciToPcieBridge, 0x12d8, 0xe110), BusKind.PcieLink);
                if (below is not null) PlaceModel(below, 0, Pick(DeviceCatalog.Endpoints));
            }
            else
            {
                var catalog = pciX && r.Bool(0.7f) ? DeviceCatalog.PciXDevices : DeviceCatalog.ConventionalDevices;
                var model = Pick(catalog);
                if (!o.Quirks && model.Functions.Any(f => f.Vendor == QuirkIds.Ricoh)) model = DeviceCatalog.ConventionalDevices[0];
                PlaceModel(bus, dev, model);
            }
        }
    }
}
