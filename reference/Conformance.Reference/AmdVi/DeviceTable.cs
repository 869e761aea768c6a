using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.AmdVi;

/// <summary>How a DeviceID's DTE lookup ended.</summary>
public enum DeviceTableLookup
{
    Ok,
    /// <summary>DeviceID beyond the table size (§3.4.1): IO_PAGE_FAULT (VBox "DevId_Invalid" fault type).</summary>
    BeyondTable,
    /// <summary>The DTE read was not backed: DEV_TAB_HARDWARE_ERROR (§2.5.5), master abort.</summary>
    ReadError,
    /// <summary>V=1 or IV=1 with reserved bits set in that half: ILLEGAL_DEV_TABLE_ENTRY (§2.5.2).</summary>
    Illegal,
}

public sealed partial class AmdViUnit
{
    /// <summary>
    /// §2.2.2 / §3.4.1: the DTE for a DeviceID — from the cache if there, else read from the table at
    /// base + DeviceID * 32 (if the table is large enough) and, when V=1 or IV=1 and well-formed, cached.
    /// </summary>
    public DeviceTableLookup LookupDeviceTableEntry(ushort deviceId, out DeviceTableEntry entry, out ulong entryAddress, out string why)
    {
        ulong baseRegister = _regs.Get(DeviceTableBase);
        entryAddress = (baseRegister & AddressMask) + (ulong)deviceId * DeviceTableEntry.Size;
        why = "";
        if (DeviceTableCache.TryGet(deviceId, out entry)) return DeviceTableLookup.Ok;
        // 1. Size 8:0: the table holds (Size + 1) * 4 KiB.
        ulong tableBytes = ((baseRegister & 0x1FF) + 1) * 4096;
        if ((ulong)deviceId * DeviceTableEntry.Size >= tableBytes)
        {
            why = $"DeviceID 0x{deviceId:x4} is beyond the {tableBytes / DeviceTableEntry.Size}-entry device table";
            return DeviceTableLookup.BeyondTable;
        }
        // 2. Fetch.
        if (!DeviceTableEntry.TryRead(_memory, entryAddress, out entry))
        {
            why = $"DTE for 0x{deviceId:x4} at 0x{entryAddress:x} is not backed";
            return DeviceTableLookup.ReadError;
        }
        if (!entry.Valid && !entry.InterruptMapValid) return DeviceTableLookup.Ok;
        // 3. Reserved bits of the valid halves.
        if (entry.ReservedProblem(ExtendedFeature) is { } problem)
        {
            why = $"DTE for 0x{deviceId:x4} at 0x{entryAddress:x}: {problem}";
            return DeviceTableLookup.Illegal;
        }
        DeviceTableCache.Add(deviceId, entry);
        return DeviceTableLookup.Ok;
    }

    /// <summary>The event a failed DTE lookup logs (I marks interrupt requests, RW writes).</summary>
    private AmdViFault DeviceTableFault(DeviceTableLookup lookup, ushort deviceId, ulong address, ulong entryAddress, AmdViEventFlags flags, string why)
    {
        var e = lookup switch
        {
            DeviceTableLookup.BeyondTable => AmdViEventEntry.Make(AmdViEventType.IoPageFault, deviceId, 0, flags, address),
            DeviceTableLookup.ReadError => AmdViEventEntry.Make(AmdViEventType.DevTabHardwareError, deviceId, 0, flags, entryAddress, HardwareErrorType.MasterAbort),
            _ => AmdViEventEntry.Make(AmdViEventType.IllegalDevTableEntry, deviceId, 0, flags & (AmdViEventFlags.Interrupt | AmdViEventFlags.Write) | AmdViEventFlags.ReservedOrInvalid, address),
        };
        return new AmdViFault(e, LogEvent(e), why);
    }
}
