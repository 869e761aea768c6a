namespace Conformance.Reference.Pci;

/// <summary>
/// PCI Bus Power Management Interface 1.2 §3.2 capability (ID 0x01, 8 bytes): PMC at +2 (version 3), PMCSR at +4
/// (PowerState bits 1:0 RW, No_Soft_Reset bit 3 RO, PME_En bit 8 RW, PME_Status bit 15 RW1C).
/// </summary>
public static class PowerManagementCapability
{
    public const int Size = 8;
    public const int Pmc = 2, Pmcsr = 4;

    internal static void Build(ConfigSpace c, int at)
    {
        c.Set8(at, (byte)PciCapabilityId.PowerManagement);
        c.Set16(at + Pmc, 0x0003);
        c.Set16(at + Pmcsr, 0x0008); // No_Soft_Reset: D3hot->D0 keeps state
        c.SetWritable(at + Pmcsr, 2, 0x0103);
        c.SetClearOnOne(at + Pmcsr, 2, 0x8000);
    }
}
