using Conformance.Reference.Pci;

namespace Conformance.Reference.Topology;

/// <summary>The <c>kind</c> of a function in a topology (formats.md §1).</summary>
public enum DeviceKind
{
    HostBridge,
    RootPort,
    UpstreamPort,
    DownstreamPort,
    Endpoint,
    LegacyEndpoint,
    RcEndpoint,
    RcEventCollector,
    PcieToPciBridge,
    PciToPcieBridge,
    PciBridge,
    PciDevice,
}

public static class DeviceKinds
{
    private static readonly (DeviceKind Kind, string Name)[] Names =
    [
        (DeviceKind.HostBridge, "host-bridge"), (DeviceKind.RootPort, "root-port"),
        (DeviceKind.UpstreamPort, "upstream-port"), (DeviceKind.DownstreamPort, "downstream-port"),
        (DeviceKind.Endpoint, "endpoint"), (DeviceKind.LegacyEndpoint, "legacy-endpoint"),
        (DeviceKind.RcEndpoint, "rc-endpoint"), (DeviceKind.RcEventCollector, "rc-event-collector"),
        (DeviceKind.PcieToPciBridge, "pcie-to-pci-bridge"), (DeviceKind.PciToPcieBridge, "pci-to-pcie-bridge"),
        (DeviceKind.PciBridge, "pci-bridge"), (DeviceKind.PciDevice, "pci-device"),
    ];

    public static string ToName(this DeviceKind kind) => Names.First(n => n.Kind == kind).Name;

    public static bool TryParse(string name, out DeviceKind kind)
    {
        foreach (var n in Names)
        {
            if (n.Name == name) { kind = n.Kind; return true; }
        }
        kind = default;
        return false;
    }

    public static IEnumerable<string> AllNames => Names.Select(n => n.Name);

    /// <summary>Type 1 (bridge) configuration header.</summary>
    public static bool IsBridge(this DeviceKind kind) => kind is DeviceKind.RootPort or DeviceKind.UpstreamPort
        or DeviceKind.DownstreamPort or DeviceKind.PcieToPciBridge or DeviceKind.PciToPcieBridge or DeviceKind.PciBridge;

    /// <summary>Has a PCI Express capability. Host bridges are modelled as conventional (no Express capability), as
    /// most real host bridges show in <c>lspci</c>.</summary>
    public static bool IsPcie(this DeviceKind kind) => kind is not (DeviceKind.PciBridge or DeviceKind.PciDevice or DeviceKind.HostBridge);

    /// <summary>PCI Express Capabilities register, Device/Port Type (PCIe Base §7.5.3.2; Linux PCI_EXP_TYPE_*).</summary>
    public static PciePortType PortType(this DeviceKind kind) => kind switch
    {
        DeviceKind.Endpoint => PciePortType.Endpoint,
        DeviceKind.LegacyEndpoint => PciePortType.LegacyEndpoint,
        DeviceKind.RootPort => PciePortType.RootPort,
        DeviceKind.UpstreamPort => PciePortType.Upstream,
        DeviceKind.DownstreamPort => PciePortType.Downstream,
        DeviceKind.PcieToPciBridge => PciePortType.PcieToPciBridge,
        DeviceKind.PciToPcieBridge => PciePortType.PciToPcieBridge,
        DeviceKind.RcEndpoint => PciePortType.RcIntegratedEndpoint,
        DeviceKind.RcEventCollector => PciePortType.RcEventCollector,
        _ => PciePortType.None,
    };
}

/// <summary>PCI Express Device/Port Type values (PCIe Base §7.5.3.2; include/uapi/linux/pci_regs.h PCI_EXP_TYPE_*).</summary>
public enum PciePortType
{
    Endpoint = 0x0,
    LegacyEndpoint = 0x1,
    RootPort = 0x4,
    Upstream = 0x5,
    Downstream = 0x6,
    /// <summary>PCI Express to PCI/PCI-X bridge (Linux PCI_EXP_TYPE_PCI_BRIDGE).</summary>
    PcieToPciBridge = 0x7,
    /// <summary>PCI/PCI-X to PCI Express bridge (Linux PCI_EXP_TYPE_PCIE_BRIDGE).</summary>
    PciToPcieBridge = 0x8,
    RcIntegratedEndpoint = 0x9,
    RcEventCollector = 0xa,
    /// <summary>Not a PCI Express function.</summary>
    None = -1,
}

public enum BarKind { Mem32, Mem64, Io }

public sealed record BarSpec(int Index, ulong Size, BarKind Kind, bool Prefetch = false, ulong? Base = null);

public sealed record MsixSpec(int Vectors, int TableBar, uint TableOffset, int PbaBar, uint PbaOffset);

/// <summary>ACS capability and control registers (PCIe Base §7.7.8; bits SV 0x1, TB 0x2, RR 0x4, CR 0x8, UF 0x10, EC 0x20, DT 0x40).</summary>
public sealed record AcsSpec(ushort Cap, ushort Ctl);

/// <summary>Where a spec element came from, for error messages and reports.</summary>
public readonly record struct SourcePos(string File, int Line, int Column)
{
    public override string ToString() => Column > 0 ? $"{File}:{Line}:{Column}" : $"{File}:{Line}";
}

/// <summary>One PCI function of a topology (formats.md §1), as described by a topology file or imported from lspci.</summary>
public sealed record DeviceSpec
{
    public required Bdf Bdf { get; init; }
    public required DeviceKind Kind { get; init; }
    public ushort Vendor { get; init; }
    public ushort DeviceId { get; init; }
    /// <summary>24-bit class code (base class, sub class, prog-if), e.g. 0x060400 for a PCI-to-PCI bridge.</summary>
    public uint ClassCode { get; init; }
    public byte Revision { get; init; }
    public byte? Secondary { get; init; }
    public byte? Subordinate { get; init; }
    public AcsSpec? Acs { get; init; }
    /// <summary>Header-type bit 7. Null: inferred (another function exists in the same slot).</summary>
    public bool? Multifunction { get; init; }
    public IReadOnlyList<BarSpec> Bars { get; init; } = [];
    public MsixSpec? Msix { get; init; }
    public int DmaMaskBits { get; init; } = 64;
    /// <summary>Has the PCI-X capability (for a conventional bridge: a PCI-X bridge, which keeps requester IDs).</summary>
    public bool PciX { get; init; }
    /// <summary>ARI capability present (lspci "Alternative Routing-ID Interpretation").</summary>
    public bool Ari { get; init; }
    /// <summary>Kernel driver in use, when the input says (lspci "Kernel driver in use:"). Informational.</summary>
    public string? Driver { get; init; }
    /// <summary>Where this function was declared in its input file.</summary>
    public SourcePos? Source { get; init; }
    /// <summary>Subsystem vendor ID (config offset 0x2c; lspci "Subsystem: ... [vvvv:dddd]"), when known. Some DMA-alias
    /// quirks match on it (Linux <c>quirk_fixed_dma_alias</c>).</summary>
    public ushort? SubsystemVendor { get; init; }
    /// <summary>Subsystem device ID (config offset 0x2e), when known.</summary>
    public ushort? SubsystemDevice { get; init; }
    /// <summary>For an SR-IOV virtual function: its physical function (Linux <c>pdev-&gt;physfn</c>); null otherwise.
    /// Linux adds VFs after the boot scan, clears their multifunction flag, and puts VFs whose RID falls on another
    /// bus on a virtual bus below the PF's bus (drivers/pci/iov.c <c>pci_iov_add_virtfn</c>).</summary>
    public Bdf? PhysicalFunction { get; init; }
}

/// <summary>A whole machine's PCI topology, in no particular order (the kit probes in Linux's order itself).</summary>
public sealed record TopologySpec(IReadOnlyList<DeviceSpec> Devices)
{
    /// <summary>The input file (for messages).</summary>
    public string? File { get; init; }
}
