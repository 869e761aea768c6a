using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

/// <summary>One function of a device model: IDs, kind, ACS, BARs and MSI-X as a real part shows them.</summary>
public sealed record FunctionModel(ushort Vendor, ushort Device, uint Class, DeviceKind Kind)
{
    public AcsSpec? Acs { get; init; }
    public IReadOnlyList<BarSpec> Bars { get; init; } = [];
    public MsixSpec? Msix { get; init; }
    public int DmaMaskBits { get; init; } = 64;
    public bool PciX { get; init; }

    public DeviceSpec ToSpec() => new()
    {
        Bdf = default,
        Kind = Kind,
        Vendor = Vendor,
        DeviceId = Device,
        ClassCode = Class,
        Acs = Acs,
        Bars = Bars,
        Msix = Msix,
        DmaMaskBits = DmaMaskBits,
        PciX = PciX,
    };
}

/// <summary>A device (one slot): its functions and the function numbers they sit at.</summary>
public sealed record DeviceModel(string Name, IReadOnlyList<FunctionModel> Functions, IReadOnlyList<int>? FunctionNumbers = null)
{
    public int FunctionNumber(int i) => FunctionNumbers?[i] ?? i;
}

/// <summary>
/// Devices modelled on parts seen in real <c>lspci -vvnn</c> dumps (shared/fixtures/topologies) and on Linux's quirk
/// tables (<see cref="QuirkIds"/>). BAR sizes and MSI-X layouts are typical of the part; exact values do not matter to
/// grouping, but they give the conformance suite realistic BARs (including sub-page ones) and MSI-X tables.
/// </summary>
public static class DeviceCatalog
{
    private static BarSpec Mem32(int i, ulong size, bool pf = false) => new(i, size, BarKind.Mem32, pf);
    private static BarSpec Mem64(int i, ulong size, bool pf = false) => new(i, size, BarKind.Mem64, pf);
    private static BarSpec Io(int i, ulong size) => new(i, size, BarKind.Io);
    private static MsixSpec Msix(int vectors, int bar, uint table, uint pba) => new(vectors, bar, table, bar, pba);

    private const ulong KiB = 1024, MiB = 1024 * KiB;

    private static FunctionModel Pcie(ushort v, ushort d, uint cls) => new(v, d, cls, DeviceKind.Endpoint);

    /// <summary>Single-function PCIe endpoints.</summary>
    public static IReadOnlyList<DeviceModel> Endpoints { get; } =
    [
        new("Samsung PM981 NVMe", [Pcie(0x144d, 0xa808, 0x010802) with { Bars = [Mem64(0, 16 * KiB)], Msix = Msix(33, 0, 0x3000, 0x2000) }]),
        new("WD SN770 NVMe", [Pcie(0x15b7, 0x5017, 0x010802) with { Bars = [Mem64(0, 16 * KiB)], Msix = Msix(17, 0, 0x3000, 0x2000) }]),
        new("Intel I210", [Pcie(0x8086, 0x1533, 0x020000) with { Bars = [Mem32(0, 128 * KiB), Io(2, 32), Mem32(3, 16 * KiB)], Msix = Msix(5, 3, 0x0, 0x2000) }]),
        new("Intel AX210", [Pcie(0x8086, 0x2725, 0x028000) with { Bars = [Mem64(0, 16 * KiB)], Msix = Msix(16, 0, 0x2000, 0x3000) }]),
        new("Realtek RTL8125", [Pcie(0x10ec, 0x8125, 0x020000) with { Bars = [Io(0, 256), Mem64(2, 64 * KiB), Mem64(4, 16 * KiB)], Msix = Msix(32, 4, 0x0, 0x800) }]),
        new("Intel Arc A750", [Pcie(0x8086, 0x56a1, 0x030000) with { Bars = [Mem64(0, 16 * MiB), Mem64(2, 256 * MiB, true)], Msix = null }]),
        new("Philips SAA7160 (legacy endpoint)", [new FunctionModel(0x1131, 0x7160, 0x048000, DeviceKind.LegacyEndpoint) { Bars = [Mem64(0, 1 * MiB)], DmaMaskBits = 32 }]),
        new("Mellanox ConnectX-4 Lx VF-capable PF", [Pcie(0x15b3, 0x1015, 0x020000) with { Bars = [Mem64(0, 32 * MiB, true)], Msix = Msix(64, 0, 0x2000, 0x3000) }]),
    ];

    /// <summary>Multifunction PCIe endpoints, with and without ACS.</summary>
    public static IReadOnlyList<DeviceModel> MultifunctionEndpoints { get; } =
    [
        // GPU + HDMI audio: no ACS capability, so the functions group together.
        new("NVIDIA RTX 3090 + audio",
        [
            Pcie(0x10de, 0x2204, 0x030000) with { Bars = [Mem32(0, 16 * MiB), Mem64(1, 256 * MiB, true), Mem64(3, 32 * MiB, true), Io(5, 128)] },
            Pcie(0x10de, 0x1aef, 0x040300) with { Bars = [Mem32(0, 16 * KiB)] },
        ]),
        new("AMD Navi 21 + audio",
        [
            Pcie(0x1002, 0x73bf, 0x030000) with { Bars = [Mem64(0, 256 * MiB, true), Mem64(2, 2 * MiB, true), Io(4, 256), Mem32(5, 1 * MiB)] },
            Pcie(0x1002, 0xab28, 0x040300) with { Bars = [Mem32(0, 16 * KiB)] },
        ]),
        // X550 ports: an ACS capability with nothing implemented (fixture 01, 24:00.x) -> separate groups.
        new("Intel X550 dual port", Enumerable.Range(0, 2).Select(_ => Pcie(0x8086, 0x1563, 0x020000) with
            { Acs = AcsBits.AllZero, Bars = [Mem64(0, 4 * MiB, true), Mem64(4, 16 * KiB, true)], Msix = Msix(64, 4, 0x0, 0x2000) }).ToList()),
        // BCM57416: no ACS capability and not quirked -> one group (ROMED8-2T probe, facts §1.1).
        new("Broadcom BCM57416 dual port", Enumerable.Range(0, 2).Select(_ => Pcie(0x14e4, 0x16d8, 0x020000) with
            { Bars = [Mem64(0, 64 * KiB, true), Mem64(2, 1 * MiB, true), Mem64(4, 8 * KiB, true)], Msix = Msix(74, 4, 0x0, 0x1000) }).ToList()),
        new("Mellanox ConnectX-5 dual port (ACS)", Enumerable.Range(0, 2).Select(_ => Pcie(0x15b3, 0x1017, 0x020000) with
            { Acs = new AcsSpec(0x1f, 0x1d), Bars = [Mem64(0, 32 * MiB, true)], Msix = Msix(64, 0, 0x2000, 0x3000) }).ToList()),
        // AMD on-chip functions behind internal GPP bridges: all-zero ACS (fixture 01, 31:00.x), functions 0, 1, 3, 4.
        new("AMD Matisse SPP/PSP/USB/audio",
        [
            Pcie(0x1022, 0x1485, 0x130000) with { Acs = AcsBits.AllZero },
            Pcie(0x1022, 0x1486, 0x108000) with { Acs = AcsBits.AllZero, Bars = [Mem32(2, 1 * MiB), Mem32(5, 8 * KiB)], Msix = Msix(2, 5, 0x0, 0x1000) },
            Pcie(0x1022, 0x149c, 0x0c0330) with { Acs = AcsBits.AllZero, Bars = [Mem64(0, 1 * MiB)], Msix = Msix(8, 0, 0xfe000, 0xff000) },
            Pcie(0x1022, 0x1487, 0x040300) with { Acs = AcsBits.AllZero, Bars = [Mem32(0, 32 * KiB)] },
        ], [0, 1, 3, 4]),
        // Zen legacy endpoints without ACS (fixture 01: 2a:00.0/.1/.3 grouped).
        new("AMD Matisse SPP + 2x USB (no ACS)",
        [
            new FunctionModel(0x1022, 0x1485, 0x130000, DeviceKind.LegacyEndpoint),
            new FunctionModel(0x1022, 0x149c, 0x0c0330, DeviceKind.LegacyEndpoint) { Bars = [Mem64(0, 1 * MiB)], Msix = Msix(8, 0, 0xfe000, 0xff000) },
            new FunctionModel(0x1022, 0x149c, 0x0c0330, DeviceKind.LegacyEndpoint) { Bars = [Mem64(0, 1 * MiB)], Msix = Msix(8, 0, 0xfe000, 0xff000) },
        ], [0, 1, 3]),
    ];

    /// <summary>Multifunction endpoints that Linux's ACS quirk table declares isolated although they have no ACS capability.</summary>
    public static IReadOnlyList<DeviceModel> QuirkedMultifunctionEndpoints { get; } =
    [
        new("Intel 82599 dual port (mf-endpoint ACS quirk)", Enumerable.Range(0, 2).Select(_ => Pcie(0x8086, 0x10fb, 0x020000) with
            { Bars = [Mem64(0, 512 * KiB), Io(2, 32), Mem64(4, 16 * KiB)], Msix = Msix(64, 4, 0x0, 0x2000) }).ToList()),
        new("Intel I350 quad port (mf-endpoint ACS quirk)", Enumerable.Range(0, 4).Select(_ => Pcie(0x8086, 0x1521, 0x020000) with
            { Bars = [Mem32(0, 1 * MiB), Mem32(3, 16 * KiB)], Msix = Msix(10, 3, 0x0, 0x2000) }).ToList()),
        new("Solarflare SFC9120 (mf-endpoint ACS quirk)", Enumerable.Range(0, 2).Select(_ => Pcie(0x1924, 0x0903, 0x020000) with
            { Bars = [Io(0, 256), Mem64(2, 8 * MiB), Mem64(4, 16 * KiB)], Msix = Msix(32, 4, 0x0, 0x2000) }).ToList()),
        new("Broadcom BCM57414 (mf-endpoint ACS quirk)", Enumerable.Range(0, 2).Select(_ => Pcie(0x14e4, 0x16d7, 0x020000) with
            { Bars = [Mem64(0, 64 * KiB, true), Mem64(2, 1 * MiB, true), Mem64(4, 8 * KiB, true)], Msix = Msix(74, 4, 0x0, 0x1000) }).ToList()),
    ];

    /// <summary>Endpoints that DMA with another function's requester ID (Linux DMA-alias quirks).</summary>
    public static IReadOnlyList<DeviceModel> DmaAliasEndpoints { get; } =
    [
        // Marvell 88SE9123: DMA from function 0 carries function 1's RID; function 1 (IDE) may or may not be there.
        new("Marvell 88SE9123 SATA (func1 alias)", [Pcie(0x1b4b, 0x9123, 0x010601) with { Bars = [Io(0, 8), Io(1, 4), Io(2, 8), Io(3, 4), Io(4, 16), Mem32(5, 2 * KiB)], DmaMaskBits = 32 }]),
        new("Marvell 88SE9123 SATA + IDE (func1 alias)",
        [
            Pcie(0x1b4b, 0x9123, 0x010601) with { Bars = [Io(0, 8), Io(1, 4), Io(2, 8), Io(3, 4), Io(4, 16), Mem32(5, 2 * KiB)], DmaMaskBits = 32 },
            Pcie(0x1b4b, 0x91a4, 0x01018f) with { Bars = [Io(0, 8), Io(1, 4), Io(2, 8), Io(3, 4), Io(4, 16)], DmaMaskBits = 32 },
        ]),
        new("HighPoint RocketRAID 642 (func1 alias)", [Pcie(0x1103, 0x0642, 0x010400) with { Bars = [Mem64(0, 64 * KiB)] }]),
        // Ricoh card reader: FireWire at function 1 DMAs as function 0.
        new("Ricoh R5C832 SD + FireWire (func0 alias)",
        [
            Pcie(0x1180, 0xe822, 0x080500) with { Bars = [Mem32(0, 256)] },
            Pcie(0x1180, 0xe832, 0x0c0010) with { Bars = [Mem32(0, 2 * KiB)] },
        ]),
    ];

    private static FunctionModel Pci(ushort v, ushort d, uint cls) => new(v, d, cls, DeviceKind.PciDevice) { DmaMaskBits = 32 };

    /// <summary>Conventional PCI devices for buses behind PCIe-to-PCI and PCI-PCI bridges.</summary>
    public static IReadOnlyList<DeviceModel> ConventionalDevices { get; } =
    [
        new("VIA VT6306 FireWire", [Pci(0x1106, 0x3044, 0x0c0010) with { Bars = [Mem32(0, 2 * KiB), Io(1, 128)] }]),
        new("C-Media CMI8738 audio", [Pci(0x13f6, 0x0111, 0x040100) with { Bars = [Io(0, 256)] }]),
        new("Realtek RTL8169", [Pci(0x10ec, 0x8169, 0x020000) with { Bars = [Io(0, 256), Mem32(1, 256)] }]),
        new("ASPEED AST2500 VGA", [Pci(0x1a03, 0x2000, 0x030000) with { Bars = [Mem32(0, 64 * MiB, true), Mem32(1, 128 * KiB), Io(2, 128)] }]),
        new("NEC uPD720101 USB (OHCI, OHCI, EHCI)",
        [
            Pci(0x1033, 0x0035, 0x0c0310) with { Bars = [Mem32(0, 4 * KiB)] },
            Pci(0x1033, 0x0035, 0x0c0310) with { Bars = [Mem32(0, 4 * KiB)] },
            Pci(0x1033, 0x00e0, 0x0c0320) with { Bars = [Mem32(0, 256)] },
        ]),
        new("Ricoh R5C832 (func0 alias)",
        [
            Pci(0x1180, 0xe822, 0x080500) with { Bars = [Mem32(0, 256)] },
            Pci(0x1180, 0xe832, 0x0c0010) with { Bars = [Mem32(0, 2 * KiB)] },
        ]),
    ];

    /// <summary>PCI-X devices for buses behind PCI-X bridges.</summary>
    public static IReadOnlyList<DeviceModel> PciXDevices { get; } =
    [
        new("LSI 53c1030 dual-channel SCSI", Enumerable.Range(0, 2).Select(_ => Pci(0x1000, 0x0030, 0x010000) with
            { PciX = true, DmaMaskBits = 64, Bars = [Io(0, 256), Mem64(1, 64 * KiB), Mem64(3, 64 * KiB)] }).ToList()),
        new("Intel 82546 dual-port GbE", Enumerable.Range(0, 2).Select(_ => Pci(0x8086, 0x1079, 0x020000) with
            { PciX = true, DmaMaskBits = 64, Bars = [Mem64(0, 128 * KiB), Io(4, 64)] }).ToList()),
    ];
}
