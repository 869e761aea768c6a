namespace Conformance.Adapters.X86;

/// <summary>
/// x86 MSI messages in compatibility format (Intel SDM Vol. 3 §11.11): what a device writes to interrupt a local
/// APIC directly, with no interrupt remapping. Only x86 platforms use these; POWER programs interrupts through its
/// firmware and the PHB validates them.
/// </summary>
public static class X86Msi
{
    /// <summary>The interrupt address window 0xFEE00000-0xFEEFFFFF.</summary>
    public const ulong InterruptWindowBase = 0xFEE0_0000;

    /// <summary>Address for fixed delivery to APIC <paramref name="apicId"/> in physical destination mode.</summary>
    public static ulong CompatibilityAddress(uint apicId) => InterruptWindowBase | ((ulong)(apicId & 0xff) << 12);
}
