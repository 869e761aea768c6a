using Conformance.Reference.Interrupts;
using Conformance.Reference.Platform;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.AmdVi;

public sealed partial class AmdViUnit
{
    /// <summary>
    /// §2.2 "Data Structures" for an upstream untranslated request: IOMMUEn, interrupt window, DTE lookup, V/TV,
    /// exclusion range, Mode 0 (IR/IW only) or the host walk through the IOTLB. Faults log their event and come back
    /// as <see cref="DmaTranslation.FaultEvent"/> with the event name.
    /// </summary>
    public DmaTranslation Translate(in DmaRequest request)
    {
        bool write = request.Direction == DmaDirection.Write;
        ulong address = request.Address;
        ushort deviceId = request.RequesterId;
        var rw = write ? AmdViEventFlags.Write : AmdViEventFlags.None;

        // 1. IOMMUEn=0: everything passes untranslated (§3.4.4).
        if (!Enabled) return write && X86MsiMessage.InWindow(address) ? DmaTranslation.Interrupt : DmaTranslation.Ok(address);
        // 2. A write to 0xFEEx_xxxx is an interrupt request, handled by interrupt remapping (§2.2.5), not translated.
        if (write && X86MsiMessage.InWindow(address)) return DmaTranslation.Interrupt;

        // 3. The device table entry.
        var lookup = LookupDeviceTableEntry(deviceId, out var dte, out ulong dteAddress, out string why);
        if (lookup != DeviceTableLookup.Ok) return Fail(DeviceTableFault(lookup, deviceId, address, dteAddress, rw, why));
        // 4. V=0: the IOMMU does not translate this device's requests (§2.2.2.1 Table 7).
        if (!dte.Valid) return DmaTranslation.Ok(address);
        // 5. Exclusion range (§3.4.5; checked before TV as VBox iommuAmdLookupDeviceTable does): when enabled and the address is inside, Allow=1 or the DTE's EX lets it pass untranslated.
        ulong exBase = _regs.Get(ExclusionBase), exLimit = _regs.Get(ExclusionLimit) | 0xFFF;
        if ((exBase & 1) != 0 && address >= (exBase & AddressMask) && address <= exLimit && ((exBase & 2) != 0 || dte.Exclusion))
            return DmaTranslation.Ok(address);
        // 6. TV=0: no translation information; the request is aborted with IO_PAGE_FAULT, PR=0 (VBox iommuAmdWalkIoPageTable).
        if (!dte.TranslationValid)
            return PageFault(dte, deviceId, address, rw, $"DTE for 0x{deviceId:x4} has V=1 TV=0");
        // 7. Guest translation (§2.2.6): with GV=1 and Control.GTEn=1 a request with a PASID goes through the GCR3 table and
        //    the guest tables (nested in the host table); with GIoV=1 so does one without a PASID, as PASID 0 (Linux sets
        //    GIoV for v2 domains and flushes them with PASID 0). Without GV/GTEn a PASID cannot be translated: IO_PAGE_FAULT, GN.
        bool guest = dte.GuestValid && (Control & ControlBits.GuestTranslationEnable) != 0;
        if (request.Pasid is { } pasid)
        {
            if (guest) return TranslateGuest(dte, deviceId, pasid, address, write);
            return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Guest,
                $"PASID {pasid} but the DTE has no guest translation (GV=0 or GTEn=0)", pasid);
        }
        if (guest && dte.GuestIoProtection) return TranslateGuest(dte, deviceId, 0, address, write);
        // 8. Mode 0: no translation; IR/IW of the DTE decide.
        if (dte.Mode == 0)
        {
            if (write ? dte.WritePermission : dte.ReadPermission) return DmaTranslation.Ok(address);
            return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Present | AmdViEventFlags.Permission,
                $"DTE Mode 0 with IR={(dte.ReadPermission ? 1 : 0)} IW={(dte.WritePermission ? 1 : 0)} denies the {(write ? "write" : "read")}");
        }
        // 9. Mode 7 or more levels than EFR.HATS: not translatable (VBox: IO_PAGE_FAULT with PR, "invalid level encoding").
        if (dte.Mode > ExtendedFeature.HostLevels)
            return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Present,
                $"DTE Mode {dte.Mode} is {(dte.Mode == 7 ? "reserved" : $"beyond EFR.HATS ({ExtendedFeature.HostLevels} levels)")}");
        // 10. The IOTLB, then the walk.
        if (Iotlb.TryLookup(dte.DomainId, address, out var hit))
        {
            if (write ? hit.Write : hit.Read) return DmaTranslation.Ok(hit.PageBase | (address & ((1UL << hit.PageShift) - 1)));
            return PageFault(dte, deviceId, address, rw | AmdViEventFlags.Present | AmdViEventFlags.Permission, "the cached translation denies the access");
        }
        var result = HostPageWalk.Walk(_memory, dte.PageTableRoot, dte.Mode, address, write, dte.ReadPermission, dte.WritePermission,
            out var t, out ulong entryAddress, out why);
        if (result != HostWalkResult.Ok) return HostFault(dte, deviceId, address, rw, result, entryAddress, why);
        Iotlb.Add(new AmdViIotlbEntry(dte.DomainId, address, t.PageShift, t.PageBase, t.Read, t.Write));
        return DmaTranslation.Ok(t.PageBase | (address & t.PageMask));
    }

    private static DmaTranslation Fail(AmdViFault f) => DmaTranslation.FaultEvent(f.Event.Name, f.Why);

    /// <summary>§2.5.3 IO_PAGE_FAULT: DomainID (or PASID[15:0] with GN), flags, address; DTE.SA suppresses the log entry.</summary>
    private DmaTranslation PageFault(in DeviceTableEntry dte, ushort deviceId, ulong address, AmdViEventFlags flags, string why, uint? pasid = null)
    {
        ushort tag = pasid is { } p ? (ushort)p : dte.DomainId;
        ulong lo = AmdViEventEntry.Make(AmdViEventType.IoPageFault, deviceId, tag, flags, address).Lo | ((ulong)((pasid ?? 0) >> 16) & 0xF) << 16;
        var e = new AmdViEventEntry(lo, address);
        if (dte.SuppressAllEvents) _events.Add(e);
        else LogEvent(e);
        return DmaTranslation.FaultEvent(e.Name, dte.SuppressAllEvents ? why + " (event suppressed by DTE.SA)" : why);
    }
}
