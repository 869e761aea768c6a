using Conformance.Reference.Platform;

namespace Conformance.Reference.AmdVi;

public sealed partial class AmdViUnit
{
    /// <summary>
    /// §2.2.6.1 GCR3 table: from the DTE's GCR3 table root pointer, GLX+1 levels of 512 64-bit entries indexed by
    /// PASID bits 9·level+8 : 9·level (Linux __get_gcr3_pte); an entry is valid with bit 0 and points (51:12) to the next
    /// level or, at level 0, holds the guest CR3. All these pointers are guest physical, read through the host table.
    /// Faults: PASID bits above the table's reach or an entry with V=0 → IO_PAGE_FAULT GN=1 PR=0; reserved bits 63:52
    /// → IO_PAGE_FAULT GN=1 PR=1 RZ=1.
    /// </summary>
    private DmaTranslation? LookupGuestCr3(in DeviceTableEntry dte, ushort deviceId, uint pasid, ulong gva, AmdViEventFlags rw, out ulong guestCr3)
    {
        guestCr3 = 0;
        int level = dte.GuestLevels;
        // 1. The PASID must fit the GCR3 table's 9·(GLX+1) index bits.
        int reach = 9 * (level + 1);
        if ((pasid >> reach) != 0)
            return GuestFault(dte, deviceId, pasid, gva, rw, $"PASID 0x{pasid:x} is beyond the {reach}-bit reach of a GLX={level} GCR3 table");
        ulong table = dte.GuestCr3TableRoot;
        while (true)
        {
            ulong entryGpa = table + ((pasid >> (9 * level)) & 0x1FF) * 8;
            // 2. The entry's guest physical address through the host table, then the read.
            if (TranslateNested(dte, deviceId, entryGpa, write: false, out var host) is { } nested) return nested;
            ulong spa = host.PageBase | (entryGpa & host.PageMask);
            if (!_memory.TryReadLe64(spa, out ulong raw))
                return GuestTableReadError(deviceId, pasid, spa, rw, $"GCR3 table level-{level} entry at 0x{spa:x} is not backed");
            // 3. Valid bit, reserved bits.
            if ((raw & 1) == 0)
                return GuestFault(dte, deviceId, pasid, gva, rw, $"GCR3 table level-{level} entry 0x{raw:x16} for PASID 0x{pasid:x} is not valid");
            if ((raw & 0xFFF0_0000_0000_0000UL) != 0)
                return GuestFault(dte, deviceId, pasid, gva, rw | AmdViEventFlags.Present | AmdViEventFlags.ReservedOrInvalid,
                    $"GCR3 table level-{level} entry 0x{raw:x16} has reserved bits 63:52 set");
            ulong pointer = raw & AmdViRegisterOffsets.AddressMask;
            if (level == 0)
            {
                guestCr3 = pointer;
                return null;
            }
            table = pointer;
            level--;
        }
    }
}
