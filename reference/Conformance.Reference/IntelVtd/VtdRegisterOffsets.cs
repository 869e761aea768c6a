namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §10.4 "Register Descriptions": byte offsets of the remapping hardware registers.</summary>
public static class VtdRegisterOffsets
{
    public const int Version = 0x00;
    public const int Capability = 0x08;
    public const int ExtendedCapability = 0x10;
    public const int GlobalCommand = 0x18;
    public const int GlobalStatus = 0x1c;
    public const int RootTableAddress = 0x20;
    public const int ContextCommand = 0x28;
    public const int FaultStatus = 0x34;
    public const int FaultEventControl = 0x38;
    public const int FaultEventData = 0x3c;
    public const int FaultEventAddress = 0x40;
    public const int FaultEventUpperAddress = 0x44;
    public const int AdvancedFaultLog = 0x58;
    public const int ProtectedMemoryEnable = 0x64;
    public const int InvalidationQueueHead = 0x80;
    public const int InvalidationQueueTail = 0x88;
    public const int InvalidationQueueAddress = 0x90;
    public const int InvalidationCompletionStatus = 0x9c;
    public const int InvalidationEventControl = 0xa0;
    public const int InvalidationEventData = 0xa4;
    public const int InvalidationEventAddress = 0xa8;
    public const int InvalidationEventUpperAddress = 0xac;
    public const int InvalidationQueueErrorRecord = 0xb0;
    public const int InterruptRemappingTableAddress = 0xb8;

    /// <summary>Within the IOTLB register block at ECAP.IRO: Invalidate Address register.</summary>
    public const int IotlbBlockInvalidateAddress = 0x0;
    /// <summary>Within the IOTLB register block at ECAP.IRO: IOTLB Invalidate register.</summary>
    public const int IotlbBlockInvalidate = 0x8;

    /// <summary>The register block is one 4 KiB page.</summary>
    public const int BlockSize = 0x1000;
}

/// <summary>VT-d spec §10.4.4/§10.4.5: GCMD command bits and the GSTS status bits at the same positions.</summary>
[Flags]
public enum GlobalCommandBits : uint
{
    None = 0,
    CompatibilityFormatInterrupt = 1u << 23,  // CFI / CFIS
    SetInterruptRemapTablePointer = 1u << 24, // SIRTP / IRTPS
    InterruptRemappingEnable = 1u << 25,      // IRE / IRES
    QueuedInvalidationEnable = 1u << 26,      // QIE / QIES
    WriteBufferFlush = 1u << 27,              // WBF / WBFS
    EnableAdvancedFaultLogging = 1u << 28,    // EAFL / AFLS
    SetFaultLog = 1u << 29,                   // SFL / FLS
    SetRootTablePointer = 1u << 30,           // SRTP / RTPS
    TranslationEnable = 1u << 31,             // TE / TES
}

/// <summary>VT-d spec §10.4.9 Fault Status register bits.</summary>
[Flags]
public enum FaultStatusBits : uint
{
    None = 0,
    PrimaryFaultOverflow = 1u << 0,
    PrimaryPendingFault = 1u << 1,
    AdvancedFaultOverflow = 1u << 2,
    AdvancedPendingFault = 1u << 3,
    InvalidationQueueError = 1u << 4,
    InvalidationCompletionError = 1u << 5,
    InvalidationTimeoutError = 1u << 6,
}
