using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>
/// Builds a two-level (GV) setup over <see cref="AmdViTables"/> from the spec layouts: a host (v1) domain, a GCR3
/// table of GLX+1 levels and x86-64 guest page tables. Every guest structure sits in a 4 KiB page whose guest physical
/// address is its system physical address plus <see cref="GpaOffset"/>, mapped so in the host table (hostMode 0: GPA = SPA).
/// </summary>
internal sealed class AmdViGuestTables
{
    public const ushort Domain = 9;
    public const ulong P = 1, RW = 2, US = 4, PS = 0x80;
    private readonly Dictionary<ulong, ulong> _spaOfGpa = new();
    private readonly Dictionary<(ulong Table, int Index), ulong> _next = new();

    public AmdViGuestTables(Bdf device, int glx = 0, int guestLevels = 4, int hostMode = 4, bool giov = false, AmdViUnitConfig? config = null)
    {
        Device = device;
        T = new AmdViTables(config ?? new AmdViUnitConfig { Id = "ivhd0", MmioBase = AmdViTables.MmioBase, GuestTranslation = true }).Enable();
        T.SetControl(ControlBits.GuestTranslationEnable);
        HostMode = hostMode;
        GpaOffset = hostMode == 0 ? 0 : 0x80_0000_0000UL;
        HostTop = hostMode == 0 ? 0 : T.AllocPage();
        Glx = glx;
        GuestLevels = guestLevels;
        Gcr3Root = GuestPage();
        WriteDte(giov);
    }

    public AmdViTables T { get; }
    public Bdf Device { get; }
    public int HostMode { get; }
    public ulong GpaOffset { get; }
    public ulong HostTop { get; }
    public int Glx { get; }
    public int GuestLevels { get; }
    /// <summary>The GCR3 table root, guest physical.</summary>
    public ulong Gcr3Root { get; }

    /// <summary>The DTE: V TV Mode IR IW, GV, GLX, GIoV, GCR3 root split over 60:58 / 95:80 / 127:107, GuestPagingMode 183:182.</summary>
    public void WriteDte(bool giov = false, int? pagingMode = null, ulong? gcr3Root = null)
    {
        ulong g = gcr3Root ?? Gcr3Root;
        ulong q0 = AmdViTables.DteQ0(HostTop, HostMode) | 1UL << 55 | (ulong)Glx << 56 | ((g >> 12) & 7) << 58 | (giov ? 1UL << 54 : 0);
        ulong q1 = Domain | ((g >> 15) & 0xFFFF) << 16 | ((g >> 31) & 0x1F_FFFF) << 43;
        ulong q2 = (ulong)(pagingMode ?? (GuestLevels == 5 ? 1 : 0)) << 54;
        T.SetDte(Device.RequesterId, q0, q1, q2);
    }

    /// <summary>A fresh 4 KiB guest page; returns its guest physical address (mapped to its SPA in the host table).</summary>
    public ulong GuestPage()
    {
        ulong spa = T.AllocPage();
        ulong gpa = spa + GpaOffset;
        _spaOfGpa[gpa] = spa;
        if (HostMode != 0) T.Map(HostTop, HostMode, gpa, spa);
        return gpa;
    }

    public ulong Spa(ulong gpa) => _spaOfGpa[gpa & ~0xFFFUL] | (gpa & 0xFFF);
    public void WriteGuest(ulong gpa, ulong value) => T.Write64(Spa(gpa), value);
    public ulong ReadGuest(ulong gpa) => T.Read64(Spa(gpa));

    /// <summary>Maps a guest physical page to a system physical page in the host table (4 KiB).</summary>
    public void HostMap(ulong gpa, ulong spa, bool iw = true) => T.Map(HostTop, HostMode, gpa, spa, iw: iw);

    /// <summary>Points PASID's GCR3 entry (creating GCR3 table levels) at a new guest CR3; returns the guest CR3 (PML4/PML5, guest physical).</summary>
    public ulong NewAddressSpace(uint pasid)
    {
        ulong cr3 = GuestPage();
        WriteGuest(Gcr3EntryGpa(pasid, create: true), cr3 | 1);
        return cr3;
    }

    /// <summary>The guest physical address of PASID's level-0 GCR3 entry (Linux __get_gcr3_pte).</summary>
    public ulong Gcr3EntryGpa(uint pasid, bool create = false)
    {
        ulong table = Gcr3Root;
        for (int level = Glx; level > 0; level--)
        {
            int idx = (int)((pasid >> (9 * level)) & 0x1FF);
            if (!_next.TryGetValue((table, idx), out ulong next))
            {
                if (!create) throw new InvalidOperationException("no GCR3 level");
                next = GuestPage();
                _next[(table, idx)] = next;
                WriteGuest(table + (ulong)idx * 8, next | 1);
            }
            table = next;
        }
        return table + ((pasid >> 0) & 0x1FF) * 8;
    }

    /// <summary>
    /// Maps guest virtual <paramref name="gva"/> to guest physical <paramref name="gpa"/> with a page at
    /// <paramref name="pageLevel"/> (1 = 4 KiB, 2 = 2 MiB with PS, 3 = 1 GiB with PS); directories get P RW US.
    /// Returns the leaf entry's guest physical address.
    /// </summary>
    public ulong Map(ulong cr3, ulong gva, ulong gpa, int pageLevel = 1, ulong leafFlags = P | RW | US)
    {
        ulong table = cr3;
        for (int level = GuestLevels; level > pageLevel; level--)
        {
            int idx = (int)((gva >> (12 + 9 * (level - 1))) & 0x1FF);
            if (!_next.TryGetValue((table, idx), out ulong next))
            {
                next = GuestPage();
                _next[(table, idx)] = next;
                WriteGuest(table + (ulong)idx * 8, next | P | RW | US);
            }
            table = next;
        }
        ulong at = table + ((gva >> (12 + 9 * (pageLevel - 1))) & 0x1FF) * 8;
        WriteGuest(at, gpa | leafFlags | (pageLevel > 1 ? PS : 0));
        return at;
    }

    /// <summary>The guest physical address of the level-<paramref name="level"/> entry on the walk to <paramref name="gva"/>.</summary>
    public ulong GuestEntry(ulong cr3, ulong gva, int level)
    {
        ulong table = cr3;
        for (int l = GuestLevels; l > level; l--) table = _next[(table, (int)((gva >> (12 + 9 * (l - 1))) & 0x1FF))];
        return table + ((gva >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
    }

    /// <summary>Removes the host mapping of a guest physical page (its host leaf entry cleared).</summary>
    public void HostUnmap(ulong gpa) => T.Write64(HostLeaf(gpa), 0);

    public ulong HostLeaf(ulong gpa) => T.EntryAddress(HostTop, HostMode, gpa, 1);

    public void InvalidatePages(ushort domain, ulong address, bool guest, uint pasid = 0, bool s = false) =>
        T.Command(AmdViTables.Op(3) | (ulong)domain << 32 | pasid, address | (s ? 1UL : 0) | 2 | (guest ? 4UL : 0));
}
