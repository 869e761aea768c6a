using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

public sealed partial class TopologyGenerator
{
    /// <summary>First bus of a VMD domain: client VMD controllers restrict their bus range to e0-ff (vmd.c, <c>busn_start</c> 224).</summary>
    public const int VmdFirstBus = 0xe0;

    private const ushort Intel = QuirkIds.Intel, Amd = QuirkIds.Amd;

    /// <summary>
    /// An Intel client root complex laid out like Raptor Lake-P + Alder Lake PCH (fixture 06): host bridge, iGPU RCiEP,
    /// CPU and Thunderbolt root ports, telemetry RCiEP, optional VMD, multifunction PCH devices without a PCIe capability
    /// (14.x, 16.x, 1f.x), and PCH root ports at 1c/1d (modern with ACS, or an older quirked/unquirked PCH).
    /// Returns the VMD domain's root bus, if any.
    /// </summary>
    private BusNode? BuildIntelClient(BusNode root, bool vmd)
    {
        Place(root, 0x00, 0, Spec(DeviceKind.HostBridge, Intel, 0xa707, 0x060000));
        Place(root, 0x02, 0, Spec(DeviceKind.RcEndpoint, Intel, 0xa720, 0x030000) with
        {
            Bars = [new BarSpec(0, 16 << 20, BarKind.Mem64), new BarSpec(2, 256 << 20, BarKind.Mem64, true)],
        });
        Place(root, 0x04, 0, Spec(DeviceKind.PciDevice, Intel, 0xa71d, 0x118000) with { Bars = [new BarSpec(0, 128 << 10, BarKind.Mem64)] });
        AddRootPort(root, 0x06, 0, Intel, 0xa74d, RootPortAcs());
        if (r.Bool(0.5f))
        {
            // Thunderbolt 4 root ports: firmware also sets TB in the control register (fixture 06: ctl SV TB RR CR UF).
            ushort[] tbt = [0xa76e, 0xa73f, 0xa72f, 0xa71f];
            for (int f = 0; f < tbt.Length; f++) AddRootPort(root, 0x07, f, Intel, tbt[f], o.AcsVariety ? new AcsSpec(0x5f, 0x1f) : AcsBits.FullPort);
        }
        Place(root, 0x0a, 0, Spec(DeviceKind.RcEndpoint, Intel, 0xa77d, 0x118000) with { Bars = [new BarSpec(0, 32 << 10, BarKind.Mem64)] });
        BusNode? vmdRoot = null;
        if (vmd && functionsLeft > 0)
        {
            ushort id = Pick(QuirkIds.IntelVmd);
            if (Place(root, 0x0e, 0, Spec(DeviceKind.RcEndpoint, Intel, id, 0x010400) with
                {
                    Bars = [new BarSpec(0, 32 << 20, BarKind.Mem64), new BarSpec(2, 32 << 20, BarKind.Mem64), new BarSpec(4, 1 << 20, BarKind.Mem64)],
                    Msix = new MsixSpec(64, 4, 0x0, 4, 0x2000),
                }))
            {
                vmdRoot = BuildVmdDomain();
            }
        }
        // USB xHCI + shared SRAM, HECI + SOL: conventional multifunction devices on the root bus (group together).
        Place(root, 0x14, 0, Spec(DeviceKind.PciDevice, Intel, 0x51ed, 0x0c0330) with { Bars = [new BarSpec(0, 64 << 10, BarKind.Mem64)] });
        Place(root, 0x14, 2, Spec(DeviceKind.PciDevice, Intel, 0x51ef, 0x050000) with { Bars = [new BarSpec(0, 16 << 10, BarKind.Mem64), new BarSpec(2, 4 << 10, BarKind.Mem64)] });
        Place(root, 0x16, 0, Spec(DeviceKind.PciDevice, Intel, 0x51e0, 0x078000) with { Bars = [new BarSpec(0, 4 << 10, BarKind.Mem64)] });
        Place(root, 0x16, 3, Spec(DeviceKind.PciDevice, Intel, 0x51e3, 0x070002) with { Bars = [new BarSpec(0, 8, BarKind.Io), new BarSpec(1, 4 << 10, BarKind.Mem32)] });
        AddPchRootPorts(root);
        if (o.PciBridges && o.Quirks && r.Bool(0.2f))
        {
            // The Intel 82801 "hub interface to PCI" bridge on the root bus, with a legacy PCI bus behind it.
            var bus = PlaceBridge(root, 0x1e, 0, Bridge(DeviceKind.PciBridge, Intel, 0x244e) with { ClassCode = 0x060401 }, BusKind.Conventional);
            if (bus is not null) FillConventional(bus, pciX: false, nesting: 1);
        }
        Place(root, 0x1f, 0, Spec(DeviceKind.PciDevice, Intel, 0x519d, 0x060100));
        Place(root, 0x1f, 3, Spec(DeviceKind.PciDevice, Intel, 0x51ca, 0x040380) with { Bars = [new BarSpec(0, 16 << 10, BarKind.Mem64), new BarSpec(4, 1 << 20, BarKind.Mem64)] });
        Place(root, 0x1f, 4, Spec(DeviceKind.PciDevice, Intel, 0x51a3, 0x0c0500) with { Bars = [new BarSpec(0, 256, BarKind.Mem64), new BarSpec(4, 32, BarKind.Io)] });
        Place(root, 0x1f, 5, Spec(DeviceKind.PciDevice, Intel, 0x51a4, 0x0c8000) with { Bars = [new BarSpec(0, 4 << 10, BarKind.Mem32)] });
        return vmdRoot;
    }

    /// <summary>PCH root ports 1c.0-1c.7 and 1d.0-1d.3: a modern PCH with ACS, an older PCH that Linux's Intel PCH
    /// ACS quirk covers (no ACS capability), a Sunrise Point PCH (dword-sized ACS registers, quirk), or a part with
    /// neither ACS nor a quirk (Gemini Lake 31d8-31dd), whose ports then share one group.</summary>
    private void AddPchRootPorts(BusNode root)
    {
        int roll = r.Number(0, 99);
        ushort first;
        Func<AcsSpec?> acs;
        if (roll < 55 || !o.AcsVariety) (first, acs) = (0x51b8, RootPortAcs);
        else if (roll < 70 && o.Quirks) (first, acs) = (Pick([(ushort)0x1c10, (ushort)0x1e10, (ushort)0x8c10, (ushort)0x3b42]), () => null);
        // lspci misreads Sunrise Point's ACS control (it sits a word later than the spec says); show it as not enabled.
        else if (roll < 85 && o.Quirks) (first, acs) = (0xa110, () => new AcsSpec(0x1f, 0x00));
        else (first, acs) = (0x31d8, () => null);
        int ports = r.Number(2, 12);
        for (int i = 0; i < ports; i++)
        {
            int dev = i < 8 ? 0x1c : 0x1d, fn = i % 8;
            AddRootPort(root, dev, fn, Intel, (ushort)(first + i), acs());
        }
    }

    /// <summary>An Intel server (IIO-like) root complex: host bridge, RAS RCiEPs, an event collector, and root ports
    /// with full ACS at 01.0 onwards (some devices with several root-port functions).</summary>
    private void BuildIntelServer(BusNode root)
    {
        Place(root, 0x00, 0, Spec(DeviceKind.HostBridge, Intel, 0x09a2, 0x088000));
        Place(root, 0x00, 1, Spec(DeviceKind.RcEndpoint, Intel, 0x09a4, 0x088000));
        Place(root, 0x00, 2, Spec(DeviceKind.RcEndpoint, Intel, 0x09a3, 0x088000));
        Place(root, 0x00, 4, Spec(DeviceKind.RcEventCollector, Intel, 0x0b23, 0x080700));
        for (int dev = 1; dev < 32 && functionsLeft > 0 && busesLeft > 0; dev++)
        {
            int fns = r.Bool(0.25f) ? r.Number(2, 4) : 1;
            for (int fn = 0; fn < fns; fn++) AddRootPort(root, dev, fn, Intel, (ushort)(0x347a + fn), RootPortAcs());
        }
    }

    /// <summary>
    /// An AMD Zen root complex (fixtures 01, 08): root complex 00.0 and the IOMMU's own function 00.2 (not translated),
    /// dummy host bridges with GPP root ports (ACS 0x5f/0x1d), internal GPP bridges whose ACS lacks RR/CR/UF with the
    /// on-chip multifunction devices behind them, and on the root bus 00 the FCH (SMBus + LPC) and the data fabric.
    /// </summary>
    private void BuildAmd(BusNode root, bool rootBusZero)
    {
        Place(root, 0x00, 0, Spec(DeviceKind.HostBridge, Amd, 0x1480, 0x060000));
        Place(root, 0x00, 2, Spec(DeviceKind.PciDevice, Amd, 0x1481, 0x080600));
        int gppDevices = r.Number(2, 5);
        for (int dev = 1; dev <= gppDevices; dev++)
        {
            Place(root, dev, 0, Spec(DeviceKind.HostBridge, Amd, 0x1482, 0x060000));
            int ports = r.Number(0, 7);
            for (int fn = 1; fn <= ports; fn++) AddRootPort(root, dev, fn, Amd, 0x1483, RootPortAcs());
        }
        for (int dev = 7; dev <= 8; dev++)
        {
            Place(root, dev, 0, Spec(DeviceKind.HostBridge, Amd, 0x1482, 0x060000));
            var link = PlaceBridge(root, dev, 1, Bridge(DeviceKind.RootPort, Amd, 0x1484, o.AcsVariety ? AcsBits.SvTbOnly : AcsBits.FullPort), BusKind.PcieLink);
            if (link is null) continue;
            if (dev == 7) Place(link, 0, 0, Spec(DeviceKind.Endpoint, Amd, 0x148a, 0x130000, AcsBits.AllZero));
            else PlaceModel(link, 0, o.MultifunctionEndpoints ? Pick(DeviceCatalog.MultifunctionEndpoints.Where(m => m.Name.StartsWith("AMD", StringComparison.Ordinal)).ToList()) : DeviceCatalog.Endpoints[0]);
        }
        if (!rootBusZero) return;
        if (o.Quirks && r.Bool(0.3f))
        {
            // An SB700/SB800 southbridge: the functions pci_quirk_amd_sb_acs covers.
            Place(root, 0x14, 0, Spec(DeviceKind.PciDevice, QuirkIds.Ati, 0x4385, 0x0c0500));
            Place(root, 0x14, 1, Spec(DeviceKind.PciDevice, QuirkIds.Ati, 0x439c, 0x01018a));
            Place(root, 0x14, 2, Spec(DeviceKind.PciDevice, QuirkIds.Ati, 0x4383, 0x040300) with { Bars = [new BarSpec(0, 16 << 10, BarKind.Mem64)] });
            Place(root, 0x14, 3, Spec(DeviceKind.PciDevice, QuirkIds.Ati, 0x439d, 0x060100));
        }
        else
        {
            Place(root, 0x14, 0, Spec(DeviceKind.PciDevice, Amd, 0x790b, 0x0c0500));
            Place(root, 0x14, 3, Spec(DeviceKind.PciDevice, Amd, 0x790e, 0x060100));
        }
        for (int fn = 0; fn < 8; fn++) Place(root, 0x18, fn, Spec(DeviceKind.HostBridge, Amd, (ushort)(0x1440 + fn), 0x060000));
    }

    private void AddRootPort(BusNode root, int dev, int fn, ushort vendor, ushort device, AcsSpec? acs)
    {
        var link = PlaceBridge(root, dev, fn, Bridge(DeviceKind.RootPort, vendor, device, acs), BusKind.PcieLink);
        if (link is not null) FillLink(link, 0);
    }

    /// <summary>The PCI domain behind an Intel VMD controller: root ports on bus e0 with NVMe drives behind them.</summary>
    private BusNode BuildVmdDomain()
    {
        var vmdRoot = new BusNode(BusKind.Root);
        int saved = busesLeft;
        busesLeft = 0xff - VmdFirstBus;
        (int Dev, ushort Id)[] ports = [(0x06, 0x464d), (0x1a, 0x51c4), (0x1b, 0x51c5), (0x1d, 0x51b0)];
        int count = r.Number(1, ports.Length);
        for (int i = 0; i < count; i++)
        {
            var link = PlaceBridge(vmdRoot, ports[i].Dev, 0, Bridge(DeviceKind.RootPort, Intel, ports[i].Id, AcsBits.FullPort), BusKind.PcieLink);
            if (link is null) break;
            PlaceModel(link, 0, DeviceCatalog.Endpoints[r.Number(0, 1)]);
        }
        busesLeft = saved;
        return vmdRoot;
    }
}
