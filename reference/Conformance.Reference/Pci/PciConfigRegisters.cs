namespace Conformance.Reference.Pci;

/// <summary>
/// PCI Local Bus 3.0 §6.1 / PCIe Base 6.x §7.5.1: offsets of the configuration header registers
/// (include/uapi/linux/pci_regs.h names in the comments).
/// </summary>
public static class PciConfig
{
    /// <summary>Size of one function's configuration space (PCIe extended configuration space, ECAM).</summary>
    public const int Size = 4096;

    public const int VendorId = 0x00;        // PCI_VENDOR_ID
    public const int DeviceId = 0x02;        // PCI_DEVICE_ID
    public const int Command = 0x04;         // PCI_COMMAND
    public const int Status = 0x06;          // PCI_STATUS
    public const int RevisionId = 0x08;      // PCI_CLASS_REVISION (low byte)
    public const int ClassProgIf = 0x09;     // PCI_CLASS_PROG
    public const int ClassCode = 0x0A;       // PCI_CLASS_DEVICE (sub class, base class)
    public const int CacheLineSize = 0x0C;   // PCI_CACHE_LINE_SIZE
    public const int LatencyTimer = 0x0D;    // PCI_LATENCY_TIMER
    public const int HeaderType = 0x0E;      // PCI_HEADER_TYPE
    public const int Bist = 0x0F;            // PCI_BIST
    public const int Bar0 = 0x10;            // PCI_BASE_ADDRESS_0
    public const int CapabilitiesPointer = 0x34; // PCI_CAPABILITY_LIST
    public const int InterruptLine = 0x3C;   // PCI_INTERRUPT_LINE
    public const int InterruptPin = 0x3D;    // PCI_INTERRUPT_PIN

    // Type 0 header (PCI Local Bus 3.0 §6.1, figure 6-1).
    public const int SubsystemVendorId = 0x2C; // PCI_SUBSYSTEM_VENDOR_ID
    public const int SubsystemId = 0x2E;       // PCI_SUBSYSTEM_ID
    public const int ExpansionRom = 0x30;      // PCI_ROM_ADDRESS

    // Type 1 header (PCI-to-PCI Bridge Architecture 1.2 §3.2; PCIe Base §7.5.1.3).
    public const int PrimaryBus = 0x18;        // PCI_PRIMARY_BUS
    public const int SecondaryBus = 0x19;      // PCI_SECONDARY_BUS
    public const int SubordinateBus = 0x1A;    // PCI_SUBORDINATE_BUS
    public const int SecondaryLatency = 0x1B;  // PCI_SEC_LATENCY_TIMER
    public const int IoBase = 0x1C;            // PCI_IO_BASE
    public const int IoLimit = 0x1D;           // PCI_IO_LIMIT
    public const int SecondaryStatus = 0x1E;   // PCI_SEC_STATUS
    public const int MemoryBase = 0x20;        // PCI_MEMORY_BASE
    public const int MemoryLimit = 0x22;       // PCI_MEMORY_LIMIT
    public const int PrefetchBase = 0x24;      // PCI_PREF_MEMORY_BASE
    public const int PrefetchLimit = 0x26;     // PCI_PREF_MEMORY_LIMIT
    public const int PrefetchBaseUpper = 0x28; // PCI_PREF_BASE_UPPER32
    public const int PrefetchLimitUpper = 0x2C;// PCI_PREF_LIMIT_UPPER32
    public const int IoBaseUpper = 0x30;       // PCI_IO_BASE_UPPER16
    public const int IoLimitUpper = 0x32;      // PCI_IO_LIMIT_UPPER16
    public const int BridgeExpansionRom = 0x38;// PCI_ROM_ADDRESS1
    public const int BridgeControl = 0x3E;     // PCI_BRIDGE_CONTROL

    /// <summary>First byte of the extended configuration space (PCIe Base §7.6).</summary>
    public const int ExtendedStart = 0x100;

    /// <summary>Header type byte bit 7: the device has more than one function (PCI_HEADER_TYPE_MFD).</summary>
    public const byte HeaderMultifunction = 0x80;

    // BAR low bits (PCI Local Bus 3.0 §6.2.5.1).
    public const uint BarSpaceIo = 0x1;        // PCI_BASE_ADDRESS_SPACE_IO
    public const uint BarMemType64 = 0x4;      // PCI_BASE_ADDRESS_MEM_TYPE_64
    public const uint BarMemPrefetch = 0x8;    // PCI_BASE_ADDRESS_MEM_PREFETCH
}

/// <summary>Header layout in bits 6:0 of the header type register (PCI_HEADER_TYPE_NORMAL/BRIDGE/CARDBUS).</summary>
public enum PciHeaderType : byte
{
    Normal = 0,
    Bridge = 1,
    CardBus = 2,
}

/// <summary>Command register bits (PCI Local Bus 3.0 §6.2.2; PCI_COMMAND_*).</summary>
[Flags]
public enum PciCommand : ushort
{
    None = 0,
    IoSpace = 0x0001,
    MemorySpace = 0x0002,
    BusMaster = 0x0004,
    SpecialCycles = 0x0008,
    MemoryWriteInvalidate = 0x0010,
    VgaPaletteSnoop = 0x0020,
    ParityErrorResponse = 0x0040,
    Serr = 0x0100,
    FastBackToBack = 0x0200,
    InterruptDisable = 0x0400,
}

/// <summary>Status register bits (PCI Local Bus 3.0 §6.2.3; PCIe Base §7.5.1.1.4; PCI_STATUS_*).</summary>
[Flags]
public enum PciStatus : ushort
{
    None = 0,
    InterruptStatus = 0x0008,
    CapabilitiesList = 0x0010,
    MasterDataParityError = 0x0100,
    SignaledTargetAbort = 0x0800,
    ReceivedTargetAbort = 0x1000,
    /// <summary>Set by a requester whose request ended in master abort / an Unsupported Request completion.</summary>
    ReceivedMasterAbort = 0x2000,
    SignaledSystemError = 0x4000,
    DetectedParityError = 0x8000,
}

/// <summary>Capability IDs of the standard list at 0x34 (PCI Code and ID Assignment §2; PCI_CAP_ID_*).</summary>
public enum PciCapabilityId : byte
{
    PowerManagement = 0x01,
    Agp = 0x02,
    Vpd = 0x03,
    SlotId = 0x04,
    Msi = 0x05,
    PciX = 0x07,
    Vendor = 0x09,
    BridgeSubsystemVendor = 0x0D,
    PciExpress = 0x10,
    MsiX = 0x11,
    SataConfig = 0x12,
    AdvancedFeatures = 0x13,
}

/// <summary>Extended capability IDs from 0x100 (PCI Code and ID Assignment §3; PCI_EXT_CAP_ID_*).</summary>
public enum PciExtendedCapabilityId : ushort
{
    AdvancedErrorReporting = 0x0001,
    VirtualChannel = 0x0002,
    DeviceSerialNumber = 0x0003,
    Vendor = 0x000B,
    Acs = 0x000D,
    Ari = 0x000E,
    Ats = 0x000F,
    SrIov = 0x0010,
    Pri = 0x0013,
    Pasid = 0x001B,
    Dpc = 0x001D,
}
