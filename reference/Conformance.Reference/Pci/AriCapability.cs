namespace Conformance.Reference.Pci;

/// <summary>
/// PCIe Base 6.x §7.8.7 ARI Extended Capability (ID 0x0E, version 1): ARI Capability register at +4 (Next Function
/// Number in bits 15:8, read-only), ARI Control at +6 (no optional features implemented: reads 0).
/// </summary>
public static class AriCapability
{
    public const int Size = 8;
    public const int CapabilityRegister = 4, ControlRegister = 6;

    internal static void SetNextFunction(ConfigSpace c, int at, byte next) => c.Set16(at + CapabilityRegister, (ushort)(next << 8));
}
