using Conformance.Reference.Interrupts;
using Conformance.Reference.Platform;

namespace Conformance.Reference.AmdVi;

public sealed partial class AmdViUnit
{
    /// <summary>
    /// §2.2.5 "Interrupt Remapping Tables" (flow of QEMU amdvi_int_remap_msi and VBox iommuAmdLookupIntrTable):
    /// DTE IV=0 passes the MSI through (both check IV alone, not V); the delivery mode (data 10:8) picks IntCtl (fixed/arbitrated) or a DTE pass
    /// bit (NMI/INIT/ExtINT); remapped interrupts index the table with data[10:0]. Errors log IO_PAGE_FAULT with I=1
    /// (unless the IRTE's SupIOPF suppresses it); target aborts log nothing.
    /// </summary>
    public InterruptOutcome Remap(in MsiRequest request)
    {
        ushort deviceId = request.RequesterId;
        ulong address = request.Address;
        // 1. The interrupt window 0xFEE0_0000..0xFEEF_FFFF.
        if (!X86MsiMessage.InWindow(address))
            return InterruptOutcome.BlockedEvent(null, $"address 0x{address:x} is outside the interrupt window");
        var original = new X86MsiMessage(address, request.Data);
        var passThrough = InterruptOutcome.Delivered(original.DestinationId, original.Vector);
        // 2. IOMMUEn=0: no remapping.
        if (!Enabled) return passThrough;
        // 3. The DTE.
        var lookup = LookupDeviceTableEntry(deviceId, out var dte, out ulong dteAddress, out string why);
        if (lookup != DeviceTableLookup.Ok)
        {
            var f = DeviceTableFault(lookup, deviceId, address, dteAddress, AmdViEventFlags.Interrupt | AmdViEventFlags.Write, why);
            return InterruptOutcome.BlockedEvent(f.Event.Name, f.Why);
        }
        // 4. IV=0: the interrupt is not remapped (QEMU and VBox look at IV only).
        if (!dte.InterruptMapValid) return passThrough;
        // 5. Delivery mode: fixed (0) and arbitrated (1) follow IntCtl; NMI, INIT, ExtINT need their pass bits; SMI passes.
        int deliveryMode = (int)((request.Data >> 8) & 7);
        switch (deliveryMode)
        {
            case 0 or 1:
                break;
            case 2:
                return passThrough;
            case 4 when dte.NmiPass:
            case 5 when dte.InitPass:
            case 7 when dte.ExtIntPass:
                return passThrough;
            default:
                return InterruptOutcome.BlockedEvent(null, $"delivery mode {deliveryMode} is not passed by the DTE: target abort");
        }
        switch (dte.InterruptControl)
        {
            case InterruptControl.TargetAbort:
                return InterruptOutcome.BlockedEvent(null, "DTE IntCtl=0: fixed and arbitrated interrupts are target-aborted");
            case InterruptControl.ForwardUnmapped:
                return passThrough;
            case InterruptControl.Reserved:
                return IllegalDte(deviceId, address, "DTE IntCtl=3 is reserved");
        }
        // 6. IntTabLen above 11 is reserved; the index is data[10:0] and must be inside the table.
        if (dte.InterruptTableLengthField > 11) return IllegalDte(deviceId, address, $"DTE IntTabLen={dte.InterruptTableLengthField} is reserved");
        int index = (int)(request.Data & 0x7FF);
        int entries = 1 << dte.InterruptTableLengthField;
        if (index >= entries)
            return InterruptFault(deviceId, dte.DomainId, address, AmdViEventFlags.None, $"index {index} is beyond the {entries}-entry interrupt table");
        // 7. The IRTE (32-bit, or 128-bit with GAEn), from the cache or the table (unbacked: PAGE_TAB_HARDWARE_ERROR with I=1;
        //    the spec names no event for it and VBox logs none).
        bool ga = (Control & ControlBits.GuestApicEnable) != 0;
        int size = ga ? IrteGa.Size : Irte.Size;
        if (!InterruptTableCache.TryGet(deviceId, index, out var raw))
        {
            ulong at = dte.InterruptTableRoot + (ulong)index * (ulong)size;
            ulong hi = 0;
            if (!_memory.TryReadLe(at, ga ? 8 : 4, out ulong lo) || (ga && !_memory.TryReadLe(at + 8, 8, out hi)))
            {
                var e = AmdViEventEntry.Make(AmdViEventType.PageTabHardwareError, deviceId, dte.DomainId, AmdViEventFlags.Interrupt | AmdViEventFlags.Write, at, HardwareErrorType.MasterAbort);
                LogEvent(e);
                return InterruptOutcome.BlockedEvent(e.Name, $"IRTE {index} at 0x{at:x} is not backed");
            }
            raw = (lo, hi);
            InterruptTableCache.Add(deviceId, index, raw);
        }
        // Both formats share RemapEn 0, SupIOPF 1, IntType 4:2 and GuestMode 7 in the low bits.
        var common = new Irte((uint)raw.Lo);
        var wide = new IrteGa(raw.Lo, raw.Hi);
        // 8. RemapEn=0: IO_PAGE_FAULT unless SupIOPF.
        if (!common.RemapEnable)
        {
            if (common.SuppressIoPageFault) return InterruptOutcome.BlockedEvent(null, $"IRTE {index} has RemapEn=0 (event suppressed by SupIOPF)");
            return InterruptFault(deviceId, dte.DomainId, address, AmdViEventFlags.None, $"IRTE {index} has RemapEn=0");
        }
        // 9. Reserved IntType, or GuestMode (no guest virtual APIC: GAMSup=0): IO_PAGE_FAULT with RZ.
        if (common.InterruptType > 1 || common.GuestMode)
            return InterruptFault(deviceId, dte.DomainId, address, AmdViEventFlags.Present | AmdViEventFlags.ReservedOrInvalid,
                $"IRTE {index} 0x{raw.Lo:x} has {(common.GuestMode ? "GuestMode=1 without guest virtual APIC" : $"reserved IntType {common.InterruptType}")}");
        // 10. Remapped: destination APIC ID and vector from the IRTE.
        return ga ? InterruptOutcome.Delivered(wide.Destination, wide.Vector) : InterruptOutcome.Delivered(common.Destination, common.Vector);
    }

    private InterruptOutcome InterruptFault(ushort deviceId, ushort domainId, ulong address, AmdViEventFlags flags, string why)
    {
        var e = AmdViEventEntry.Make(AmdViEventType.IoPageFault, deviceId, domainId, flags | AmdViEventFlags.Interrupt | AmdViEventFlags.Write, address);
        LogEvent(e);
        return InterruptOutcome.BlockedEvent(e.Name, why);
    }

    private InterruptOutcome IllegalDte(ushort deviceId, ulong address, string why)
    {
        var e = AmdViEventEntry.Make(AmdViEventType.IllegalDevTableEntry, deviceId, 0, AmdViEventFlags.Interrupt | AmdViEventFlags.Write | AmdViEventFlags.ReservedOrInvalid, address);
        LogEvent(e);
        return InterruptOutcome.BlockedEvent(e.Name, why);
    }
}
