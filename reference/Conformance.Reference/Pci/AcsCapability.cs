namespace Conformance.Reference.Pci;

/// <summary>ACS Capability or Control register bits (PCIe Base 6.x §7.7.8.2/§7.7.8.3; PCI_ACS_*).</summary>
public readonly record struct AcsBits(ushort Raw)
{
    public const ushort SV = 0x01, TB = 0x02, RR = 0x04, CR = 0x08, UF = 0x10, EC = 0x20, DT = 0x40;
    /// <summary>Capability register only: ACS Enhanced Capability (PCI_ACS_ENHANCED).</summary>
    public const ushort Enhanced = 0x80;

    public bool SourceValidation => (Raw & SV) != 0;
    public bool TranslationBlocking => (Raw & TB) != 0;
    public bool RequestRedirect => (Raw & RR) != 0;
    public bool CompletionRedirect => (Raw & CR) != 0;
    public bool UpstreamForwarding => (Raw & UF) != 0;
    public bool EgressControl => (Raw & EC) != 0;
    public bool DirectTranslatedP2P => (Raw & DT) != 0;
}

/// <summary>
/// PCIe Base 6.x §7.7.8 ACS Extended Capability (ID 0x0D, version 1): capability register at +4 (read-only), control
/// at +6. A control bit whose feature the capability does not implement is hard-wired to 0; control bits 12:7 (I/O
/// Request Blocking, DSP/USP Memory Target Access, Unclaimed Request Redirect) exist only when the capability has
/// ACS Enhanced Capability (bit 7). The Egress Control Vector (+8, with EC) is not modelled.
/// </summary>
public static class AcsCapability
{
    public const int Size = 8;
    public const int CapabilityRegister = 4, ControlRegister = 6; // PCI_ACS_CAP, PCI_ACS_CTRL

    /// <summary>The control bits software can set for a given capability register.</summary>
    public static ushort WritableControl(ushort capability) =>
        (ushort)((capability & 0x7F) | ((capability & AcsBits.Enhanced) != 0 ? 0x1F80 : 0));

    internal static void Build(ConfigSpace c, int at, ushort capability, ushort control)
    {
        ushort writable = WritableControl(capability);
        c.Set16(at + CapabilityRegister, capability);
        c.Set16(at + ControlRegister, (ushort)(control & writable));
        c.SetWritable(at + ControlRegister, 2, writable);
    }

    public static AcsBits Capability(PciFunction f) => f.AcsOffset == 0 ? default : new AcsBits(f.Config.Get16(f.AcsOffset + CapabilityRegister));
    public static AcsBits Control(PciFunction f) => f.AcsOffset == 0 ? default : new AcsBits(f.Config.Get16(f.AcsOffset + ControlRegister));
}
