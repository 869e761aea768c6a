using Conformance.Reference.Platform;

namespace Conformance.Reference.AmdVi;

public sealed partial class AmdViUnit
{
    /// <summary>
    /// §2.2.6.2 guest page-table walk in x86-64 long mode (AMD APM vol. 2 §5.3, 4 or 5 levels per DTE GuestPagingMode),
    /// nested: each table pointer and the final page are guest physical and go through the host table first. Order as
    /// the x86 walk: canonical address, per level fetch → P → reserved bits → R/W and U/S AND-ed down; then the access
    /// rights at the leaf (every modelled request is a user request, so U/S=0 anywhere denies it; no execute requests,
    /// so NX is not consulted; A/D are not updated). The combined page is the smaller of the guest and host pages.
    /// </summary>
    private DmaTranslation WalkGuestTables(in DeviceTableEntry dte, ushort deviceId, uint pasid, ulong gva, bool write, ulong guestCr3)
    {
        var rw = write ? AmdViEventFlags.Write : AmdViEventFlags.None;
        int levels = dte.GuestPageTableLevels;
        // 1. Canonical: bits 63 down to the top translated bit are a sign extension (48 or 57 bits).
        int top = 12 + 9 * levels - 1;
        ulong upper = gva >> top;
        ulong ones = (1UL << (64 - top)) - 1;
        if (upper != 0 && upper != ones)
            return GuestFault(dte, deviceId, pasid, gva, rw, $"0x{gva:x} is not canonical for {levels}-level guest tables");
        bool writable = true, user = true;
        ulong table = guestCr3;
        int level = levels;
        while (true)
        {
            int shift = 12 + 9 * (level - 1);
            ulong entryGpa = table + ((gva >> shift) & 0x1FF) * 8;
            // 2. The entry, nested.
            if (TranslateNested(dte, deviceId, entryGpa, write: false, out var host) is { } nested) return nested;
            ulong spa = host.PageBase | (entryGpa & host.PageMask);
            if (!_memory.TryReadLe64(spa, out ulong raw))
                return GuestTableReadError(deviceId, pasid, spa, rw, $"guest level-{level} entry at 0x{spa:x} is not backed");
            var e = new GuestPageTableEntry(raw);
            // 3. P=0: IO_PAGE_FAULT GN, PR=0.
            if (!e.Present)
                return GuestFault(dte, deviceId, pasid, gva, rw, $"guest level-{level} entry 0x{raw:x16} is not present");
            // 4. Reserved bits: RZ with PR.
            if (e.ReservedProblem(level) is { } problem)
                return GuestFault(dte, deviceId, pasid, gva, rw | AmdViEventFlags.Present | AmdViEventFlags.ReservedOrInvalid,
                    $"guest level-{level} entry 0x{raw:x16}: {problem}");
            writable &= e.Writable;
            user &= e.User;
            // 5. A leaf at level 1, or PS at level 2 (2 MiB) / 3 (1 GiB); else the next table.
            if (level > 1 && !e.PageSize)
            {
                table = e.Address;
                level--;
                continue;
            }
            // 6. The rights: U/S then R/W (PE with PR).
            if (!user)
                return GuestFault(dte, deviceId, pasid, gva, rw | AmdViEventFlags.Present | AmdViEventFlags.Permission,
                    $"a guest entry on the walk to 0x{gva:x} has U/S=0 (supervisor only)");
            if (write && !writable)
                return GuestFault(dte, deviceId, pasid, gva, rw | AmdViEventFlags.Present | AmdViEventFlags.Permission,
                    $"a guest entry on the walk to 0x{gva:x} has R/W=0");
            // 7. The guest physical page through the host table with the request's direction.
            ulong guestMask = (1UL << shift) - 1;
            ulong gpa = (e.Address & ~guestMask) | (gva & guestMask);
            if (TranslateNested(dte, deviceId, gpa, write, out var final) is { } finalFault) return finalFault;
            int pageShift = Math.Min(shift, final.PageShift);
            ulong pageMask = (1UL << pageShift) - 1;
            ulong spaPage = (final.PageBase | (gpa & final.PageMask)) & ~pageMask;
            GuestIotlb.Add(new AmdViGuestIotlbEntry(dte.DomainId, pasid, gva & ~pageMask, pageShift, spaPage, gpa & ~pageMask,
                final.Read, writable && final.Write));
            return DmaTranslation.Ok(spaPage | (gva & pageMask));
        }
    }
}
