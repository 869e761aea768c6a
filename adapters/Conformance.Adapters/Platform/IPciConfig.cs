using Conformance.Reference.Pci;

namespace Conformance.Adapters.Platform;

/// <summary>PCI configuration space access (ECAM, PCIe Base §7.2.2): what a host driver uses for resets and capabilities.
/// A function that does not exist reads all-ones.</summary>
public interface IPciConfig
{
    uint Read(Bdf bdf, int offset, int width);

    void Write(Bdf bdf, int offset, int width, uint value);
}

/// <summary>Configuration register offsets and bits the contract's adapters use.</summary>
public static class PciConfigRegisters
{
    /// <summary>Type 1 header Bridge Control (PCI-to-PCI Bridge 1.2 §3.2.5.18); bit 6 Secondary Bus Reset.</summary>
    public const int BridgeControl = 0x3e;
    public const uint SecondaryBusReset = 1 << 6;
    /// <summary>Type 1 header Secondary Bus Number.</summary>
    public const int SecondaryBus = 0x19;
    /// <summary>Capabilities pointer (PCI 3.0 §6.7).</summary>
    public const int CapabilitiesPointer = 0x34;
    /// <summary>PCI Express capability ID (PCIe Base §7.5.3.1).</summary>
    public const int PcieCapabilityId = 0x10;
    /// <summary>Device Control register offset inside the PCIe capability; bit 15 Initiate Function Level Reset (PCIe Base §7.5.3.4).</summary>
    public const int DeviceControl = 0x08;
    public const uint InitiateFlr = 1 << 15;
}
