using Conformance.Reference.Topology;

namespace Conformance.Reference.Pci;

/// <summary>PCI Express Capabilities register (PCIe Base 6.x §7.5.3.2; PCI_EXP_FLAGS_*).</summary>
public readonly record struct PciExpressCapabilities(ushort Raw)
{
    public int Version => Raw & 0xF;                             // PCI_EXP_FLAGS_VERS
    public PciePortType PortType => (PciePortType)((Raw >> 4) & 0xF); // PCI_EXP_FLAGS_TYPE
    public bool SlotImplemented => (Raw & 0x100) != 0;          // PCI_EXP_FLAGS_SLOT
    public int InterruptMessageNumber => (Raw >> 9) & 0x1F;      // PCI_EXP_FLAGS_IRQ
}

/// <summary>
/// PCIe Base 6.x §7.5.3 PCI Express Capability (ID 0x10, version 2, 0x3C bytes): capabilities register with
/// Device/Port Type in bits 7:4; Device Capabilities (+4: FLR capable bit 28 on endpoints), Device Control (+8:
/// bit 15 Initiate FLR is write-only), Device Status (+0xA, RW1C error bits); link registers; root control/status on
/// root ports; Device Capabilities 2 (+0x24) with ARI Forwarding Supported (bit 5) on root and downstream ports, and
/// its enable in Device Control 2 (+0x28).
/// </summary>
public static class PciExpressCapability
{
    public const int Size = 0x3C;
    public const int Capabilities = 0x02, DeviceCapabilities = 0x04, DeviceControl = 0x08, DeviceStatus = 0x0A,
        LinkCapabilities = 0x0C, LinkControl = 0x10, LinkStatus = 0x12, RootControl = 0x1C, RootStatus = 0x20,
        DeviceCapabilities2 = 0x24, DeviceControl2 = 0x28, LinkCapabilities2 = 0x2C, LinkControl2 = 0x30;

    public const uint FlrCapable = 1u << 28;          // PCI_EXP_DEVCAP_FLR
    public const ushort InitiateFlr = 0x8000;         // PCI_EXP_DEVCTL_BCR_FLR
    public const uint AriForwardingSupported = 0x20;  // PCI_EXP_DEVCAP2_ARI

    internal static void Build(ConfigSpace c, int at, DeviceKind kind)
    {
        var type = kind.PortType();
        bool port = type is PciePortType.RootPort or PciePortType.Downstream;
        bool flr = type is PciePortType.Endpoint or PciePortType.LegacyEndpoint or PciePortType.RcIntegratedEndpoint;
        c.Set8(at, (byte)PciCapabilityId.PciExpress);
        c.Set16(at + Capabilities, (ushort)(0x2 | ((int)type << 4) | (port ? 0x100 : 0)));
        c.Set32(at + DeviceCapabilities, 0x0000_8001 | (flr ? FlrCapable : 0)); // MPS 256B, role-based error reporting
        c.Set16(at + DeviceControl, 0x2810);                                    // MRRS 512B, no snoop, relaxed ordering
        c.SetWritable(at + DeviceControl, 2, 0x7FFF);
        c.SetClearOnOne(at + DeviceStatus, 2, 0x000F);
        c.Set32(at + LinkCapabilities, 0x0000_0013);                            // 8 GT/s, x1
        c.SetWritable(at + LinkControl, 2, 0x0FCB);
        c.Set16(at + LinkStatus, 0x0013);
        c.SetClearOnOne(at + LinkStatus, 2, 0xC000);
        if (type == PciePortType.RootPort)
        {
            c.SetWritable(at + RootControl, 2, 0x001F);
            c.SetClearOnOne(at + RootStatus, 4, 0x0001_0000);
        }
        c.Set32(at + DeviceCapabilities2, port ? AriForwardingSupported : 0u);
        c.SetWritable(at + DeviceControl2, 2, port ? 0x003Fu : 0x001Fu);
        c.Set32(at + LinkCapabilities2, 0x0E);
        c.Set16(at + LinkControl2, 0x3);
        c.SetWritable(at + LinkControl2, 2, 0x000F);
    }
}
