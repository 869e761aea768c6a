namespace Conformance.Reference.AmdVi;

/// <summary>
/// AMD IOMMU spec (#48882) §3.4 "IOMMU MMIO Registers": byte offsets in the unit's 16 KiB register aperture
/// (QEMU amd_iommu.h AMDVI_MMIO_*, Linux amd_iommu_types.h MMIO_*_OFFSET; AMDVI_MMIO_SIZE 0x4000).
/// </summary>
public static class AmdViRegisterOffsets
{
    public const int BlockSize = 0x4000;
    /// <summary>§3.4.1 Device Table Base: base 51:12, Size 8:0 ((Size+1) x 4 KiB).</summary>
    public const int DeviceTableBase = 0x0000;
    /// <summary>§3.4.2 Command Buffer Base: base 51:12, ComLen 59:56 (2^ComLen entries).</summary>
    public const int CommandBufferBase = 0x0008;
    /// <summary>§3.4.3 Event Log Base: base 51:12, EventLen 59:56 (2^EventLen entries).</summary>
    public const int EventLogBase = 0x0010;
    /// <summary>§3.4.4 IOMMU Control.</summary>
    public const int Control = 0x0018;
    /// <summary>§3.4.5 Exclusion Base: ExEn 0, Allow 1, base 51:12.</summary>
    public const int ExclusionBase = 0x0020;
    /// <summary>§3.4.6 Exclusion Range Limit: limit 51:12 (bits 11:0 are treated as ones).</summary>
    public const int ExclusionLimit = 0x0028;
    /// <summary>§3.4.7 Extended Feature Register (read-only).</summary>
    public const int ExtendedFeature = 0x0030;
    /// <summary>§3.4.8 PPR Log Base (PPRSup=0 here: read-only zero).</summary>
    public const int PprLogBase = 0x0038;
    /// <summary>§3.4.18 XT IOMMU General Interrupt Control (event log / completion-wait interrupt when IntCapXTEn).</summary>
    public const int EventInterruptXt = 0x0170;
    /// <summary>§3.4.9 Command Buffer Head / Tail pointers: byte offset in bits 18:4.</summary>
    public const int CommandHead = 0x2000;
    public const int CommandTail = 0x2008;
    /// <summary>§3.4.10 Event Log Head / Tail pointers: byte offset in bits 18:4.</summary>
    public const int EventHead = 0x2010;
    public const int EventTail = 0x2018;
    /// <summary>§3.4.11 IOMMU Status.</summary>
    public const int Status = 0x2020;

    /// <summary>Head/tail pointer field: bits 18:4 (16-byte entries, up to 32768 of them).</summary>
    public const ulong PointerMask = 0x7FFF0;
    /// <summary>System physical address field of table pointers, bits 51:12.</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000;
}

/// <summary>§3.4.4 IOMMU Control register bits (Linux amd_iommu_types.h CONTROL_*).</summary>
[Flags]
public enum ControlBits : ulong
{
    None = 0,
    IommuEnable = 1UL << 0,
    HtTunnelEnable = 1UL << 1,
    EventLogEnable = 1UL << 2,
    EventInterruptEnable = 1UL << 3,
    CompletionWaitInterruptEnable = 1UL << 4,
    /// <summary>InvTimeout, bits 7:5.</summary>
    InvalidationTimeout = 7UL << 5,
    PassPosted = 1UL << 8,
    ResponsePassPosted = 1UL << 9,
    Coherent = 1UL << 10,
    Isochronous = 1UL << 11,
    CommandBufferEnable = 1UL << 12,
    PprLogEnable = 1UL << 13,
    PprInterruptEnable = 1UL << 14,
    PprEnable = 1UL << 15,
    GuestTranslationEnable = 1UL << 16,
    GuestApicEnable = 1UL << 17,
    XtEnable = 1UL << 50,
    InterruptCapXtEnable = 1UL << 51,
}

/// <summary>§3.4.11 IOMMU Status register bits; the overflow/interrupt bits are RW1C, the Run bits read-only.</summary>
[Flags]
public enum StatusBits : ulong
{
    None = 0,
    EventOverflow = 1UL << 0,
    EventLogInterrupt = 1UL << 1,
    CompletionWaitInterrupt = 1UL << 2,
    EventLogRun = 1UL << 3,
    CommandBufferRun = 1UL << 4,
    PprOverflow = 1UL << 5,
    PprInterrupt = 1UL << 6,
    PprLogRun = 1UL << 7,
}
