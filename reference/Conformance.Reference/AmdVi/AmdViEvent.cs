namespace Conformance.Reference.AmdVi;

/// <summary>§2.5 "Event Logging" EventCode (bits 63:60 of the entry): Linux EVENT_TYPE_*, VBox IOMMU_EVT_*.</summary>
public enum AmdViEventType
{
    IllegalDevTableEntry = 0x1,
    IoPageFault = 0x2,
    DevTabHardwareError = 0x3,
    PageTabHardwareError = 0x4,
    IllegalCommandError = 0x5,
    CommandHardwareError = 0x6,
    IotlbInvTimeout = 0x7,
    InvalidDeviceRequest = 0x8,
    InvalidPprRequest = 0x9,
    EventCounterZero = 0x10,
    GuestEventFault = 0x11,
}

/// <summary>§2.5.3 IO_PAGE_FAULT / ILLEGAL_DEV_TABLE_ENTRY / hardware-error flag bits (entry bits 59:48).</summary>
[Flags]
public enum AmdViEventFlags
{
    None = 0,
    /// <summary>GN 48: the request carried a PASID (guest).</summary>
    Guest = 1 << 0,
    NoExecute = 1 << 1,
    User = 1 << 2,
    /// <summary>I 51: the request was an interrupt request.</summary>
    Interrupt = 1 << 3,
    /// <summary>PR 52: the entry that stopped the walk was present.</summary>
    Present = 1 << 4,
    /// <summary>RW 53: the request was a write.</summary>
    Write = 1 << 5,
    /// <summary>PE 54: permission denied.</summary>
    Permission = 1 << 6,
    /// <summary>RZ 55: reserved bits or an invalid level encoding.</summary>
    ReservedOrInvalid = 1 << 7,
    /// <summary>TR 56: translation request (ATS); TN for ILLEGAL_DEV_TABLE_ENTRY.</summary>
    Translation = 1 << 8,
}

/// <summary>§2.5.3 hardware-error Type (bits 58:57).</summary>
public enum HardwareErrorType
{
    MasterAbort = 1,
    TargetAbort = 2,
    DataError = 3,
}

/// <summary>
/// One 128-bit event log entry: DeviceID 15:0, PASID[19:16] 19:16, DomainID or PASID[15:0] 47:32, flags 59:48,
/// EventCode 63:60, address 127:64 (§2.5.2 Figures "IO_PAGE_FAULT Event Types" et al.).
/// </summary>
public readonly record struct AmdViEventEntry(ulong Lo, ulong Hi)
{
    public AmdViEventType Type => (AmdViEventType)(Lo >> 60);
    public ushort DeviceId => (ushort)Lo;
    public ushort DomainOrPasid => (ushort)(Lo >> 32);
    public AmdViEventFlags Flags => (AmdViEventFlags)((Lo >> 48) & 0x1FF);
    public ulong Address => Hi;

    /// <summary>The event type's name as vectors write it (formats.md §4): IO_PAGE_FAULT etc.</summary>
    public string Name => NameOf(Type);

    public static string NameOf(AmdViEventType type) => type switch
    {
        AmdViEventType.IllegalDevTableEntry => "ILLEGAL_DEV_TABLE_ENTRY",
        AmdViEventType.IoPageFault => "IO_PAGE_FAULT",
        AmdViEventType.DevTabHardwareError => "DEV_TAB_HARDWARE_ERROR",
        AmdViEventType.PageTabHardwareError => "PAGE_TAB_HARDWARE_ERROR",
        AmdViEventType.IllegalCommandError => "ILLEGAL_COMMAND_ERROR",
        AmdViEventType.CommandHardwareError => "COMMAND_HARDWARE_ERROR",
        AmdViEventType.IotlbInvTimeout => "IOTLB_INV_TIMEOUT",
        AmdViEventType.InvalidDeviceRequest => "INVALID_DEVICE_REQUEST",
        AmdViEventType.InvalidPprRequest => "INVALID_PPR_REQUEST",
        AmdViEventType.EventCounterZero => "EVENT_COUNTER_ZERO",
        AmdViEventType.GuestEventFault => "GUEST_EVENT_FAULT",
        _ => $"EVENT_0x{(int)type:x}",
    };

    public static AmdViEventEntry Make(AmdViEventType type, ushort deviceId, ushort domainOrPasid, AmdViEventFlags flags, ulong address, HardwareErrorType hwType = 0) =>
        new(deviceId | (ulong)domainOrPasid << 32 | (ulong)flags << 48 | (ulong)hwType << 57 | (ulong)type << 60, address);
}

/// <summary>What a failed request produces: the event (logged unless suppressed) and the model's diagnostic.</summary>
public readonly record struct AmdViFault(AmdViEventEntry Event, bool Logged, string Why)
{
    public AmdViEventType Type => Event.Type;
}
