using Conformance.Reference.Platform;

namespace Conformance.Reference.AmdVi;

public sealed partial class AmdViUnit
{
    /// <summary>
    /// §2.2.6 "I/O Page Tables for Guest Translations" with nesting (hardware-models.md §2.7): a request with a PASID
    /// through a DTE with GV=1 (Control.GTEn=1) — or, with GIoV, one without (as PASID 0) — is translated by the guest
    /// tables found through the GCR3 table, and every guest physical address on the way (GCR3 table pointers, the guest
    /// CR3, guest table pointers and the final page) through the DTE's host table (Mode 0: guest physical = system physical).
    /// Guest-level faults log IO_PAGE_FAULT with GN=1, PASID in the DomainID field and the guest virtual address; host-level
    /// faults met on the way log GN=0 with the DomainID and the guest physical address that failed.
    /// </summary>
    private DmaTranslation TranslateGuest(in DeviceTableEntry dte, ushort deviceId, uint pasid, ulong address, bool write)
    {
        var rw = write ? AmdViEventFlags.Write : AmdViEventFlags.None;
        // 1. A PASID beyond EFR.PASmax is not a request this IOMMU accepts (INVALID_DEVICE_REQUEST carries the PASID; Linux prints it).
        if (pasid > ExtendedFeature.LargestPasid)
        {
            var e = PasidEvent(AmdViEventType.InvalidDeviceRequest, deviceId, pasid, rw | AmdViEventFlags.Guest, address);
            return DmaTranslation.FaultEvent(e.Name, $"PASID 0x{pasid:x} exceeds EFR.PASmax (largest 0x{ExtendedFeature.LargestPasid:x})" + (LogEvent(e) ? "" : " (log not running)"));
        }
        // 2. The host table must be usable: Mode 7 or beyond HATS is the host case's IO_PAGE_FAULT with PR.
        if (dte.Mode > ExtendedFeature.HostLevels)
            return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Present,
                $"DTE Mode {dte.Mode} is {(dte.Mode == 7 ? "reserved" : $"beyond EFR.HATS ({ExtendedFeature.HostLevels} levels)")}");
        // 3. The guest IOTLB (DomainID, PASID); a hit that denies the access is walked again so the fault names its level.
        if (GuestIotlb.TryLookup(dte.DomainId, pasid, address, out var hit) && (write ? hit.Write : hit.Read))
            return DmaTranslation.Ok(hit.PageBase | (address & ((1UL << hit.PageShift) - 1)));
        // 4. GCR3 table → guest CR3.
        if (LookupGuestCr3(dte, deviceId, pasid, address, rw, out ulong guestCr3) is { } gcr3Fault) return gcr3Fault;
        // 5. The guest walk, nested, and the final guest physical page through the host table.
        return WalkGuestTables(dte, deviceId, pasid, address, write, guestCr3);
    }

    /// <summary>
    /// Translates a guest physical address the IOMMU uses through the DTE's host table (§2.2.3), for a table read
    /// (<paramref name="write"/> false) or the final access. Mode 0: the address is system physical, DTE IR/IW decide.
    /// A failure is logged as the host-level event (GN=0, DomainID, the guest physical address).
    /// </summary>
    private DmaTranslation? TranslateNested(in DeviceTableEntry dte, ushort deviceId, ulong gpa, bool write, out HostTranslation t)
    {
        var rw = write ? AmdViEventFlags.Write : AmdViEventFlags.None;
        if (dte.Mode == 0)
        {
            t = new HostTranslation(gpa & ~0xFFFUL, 12, dte.ReadPermission, dte.WritePermission);
            if (write ? dte.WritePermission : dte.ReadPermission) return null;
            return PageFault(dte, deviceId, gpa, rw | AmdViEventFlags.Present | AmdViEventFlags.Permission,
                $"guest physical 0x{gpa:x}: DTE Mode 0 denies the {(write ? "write" : "read")}");
        }
        var result = HostPageWalk.Walk(_memory, dte.PageTableRoot, dte.Mode, gpa, write, dte.ReadPermission, dte.WritePermission,
            out t, out ulong entryAddress, out string why);
        if (result == HostWalkResult.Ok) return null;
        return HostFault(dte, deviceId, gpa, rw, result, entryAddress, $"nested (host) translation of guest physical 0x{gpa:x}: {why}");
    }

    /// <summary>The event of a failed host walk (§2.5.3 IO_PAGE_FAULT, §2.5.6 PAGE_TAB_HARDWARE_ERROR), GN=0.</summary>
    private DmaTranslation HostFault(in DeviceTableEntry dte, ushort deviceId, ulong address, AmdViEventFlags rw, HostWalkResult result, ulong entryAddress, string why)
    {
        switch (result)
        {
            case HostWalkResult.TableReadError:
            {
                var e = AmdViEventEntry.Make(AmdViEventType.PageTabHardwareError, deviceId, dte.DomainId, rw, entryAddress, HardwareErrorType.MasterAbort);
                return Fail(new AmdViFault(e, LogEvent(e), why));
            }
            case HostWalkResult.NotPresent:
            case HostWalkResult.AddressBeyondMode:
                return PageFault(dte, deviceId, address, rw, why);
            case HostWalkResult.PermissionDenied:
                return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Present | AmdViEventFlags.Permission, why);
            default:
                return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Present, why);
        }
    }

    /// <summary>An event entry carrying a PASID: PASID[15:0] in 47:32, PASID[19:16] in 19:16 (Linux iommu_print_event).</summary>
    private static AmdViEventEntry PasidEvent(AmdViEventType type, ushort deviceId, uint pasid, AmdViEventFlags flags, ulong address, HardwareErrorType hw = 0) =>
        new(AmdViEventEntry.Make(type, deviceId, (ushort)pasid, flags, address, hw).Lo | ((ulong)(pasid >> 16) & 0xF) << 16, address);

    /// <summary>A guest-level IO_PAGE_FAULT: GN=1 and US=1 (every modelled request is a user request: no PMR).</summary>
    private DmaTranslation GuestFault(in DeviceTableEntry dte, ushort deviceId, uint pasid, ulong gva, AmdViEventFlags flags, string why) =>
        PageFault(dte, deviceId, gva, flags | AmdViEventFlags.Guest | AmdViEventFlags.User, why, pasid);

    /// <summary>A guest or GCR3 table read that was not backed: PAGE_TAB_HARDWARE_ERROR with GN, the PASID and the entry's address.</summary>
    private DmaTranslation GuestTableReadError(ushort deviceId, uint pasid, ulong spa, AmdViEventFlags rw, string why)
    {
        var e = PasidEvent(AmdViEventType.PageTabHardwareError, deviceId, pasid, rw | AmdViEventFlags.Guest, spa, HardwareErrorType.MasterAbort);
        return Fail(new AmdViFault(e, LogEvent(e), why));
    }
}
