using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using static Conformance.Reference.AmdVi.AmdViEventFlags;
using static Conformance.Reference.Tests.AmdVi.AmdViGuestTables;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>§2.2.6 two-level (GV) translation: GCR3 table, x86-64 guest tables, nesting in the host table, faults and the guest IOTLB.</summary>
public class AmdViGuestTranslationTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);
    private const ulong DataGpa = 0x40_0000_0000UL;
    private const ulong DataSpa = 0x30_0000UL;

    private static AmdViEventEntry Logged(AmdViGuestTables g) => Assert.Single(g.T.LogEntries());

    [Theory]
    [InlineData(4, 1, 0)]
    [InlineData(4, 2, 0)]
    [InlineData(4, 3, 1)]
    [InlineData(5, 1, 2)]
    [InlineData(5, 2, 1)]
    [InlineData(5, 3, 0)]
    public void Every_guest_depth_and_page_size_translates_with_every_pointer_nested_in_the_host_table(int levels, int pageLevel, int glx)
    {
        var g = new AmdViGuestTables(Dev, glx, levels);
        uint pasid = glx == 0 ? 0x2Au : 0xBEEFu;
        ulong cr3 = g.NewAddressSpace(pasid);
        int shift = 12 + 9 * (pageLevel - 1);
        ulong gva = (levels == 5 ? 1UL << 50 : 0) | 0x12UL << 39 | 5UL << shift;
        ulong offset = 0x1234_5678UL & ((1UL << shift) - 1) & ~3UL;
        g.Map(cr3, gva, DataGpa, pageLevel);
        g.HostMap((DataGpa + offset) & ~0xFFFUL, DataSpa);
        var read = g.T.Dma(Dev, gva + offset, pasid: pasid);
        Assert.Equal(DmaResultKind.Ok, read.Kind);
        Assert.Equal(DataSpa | (offset & 0xFFF), read.Address);
        Assert.Equal(DataSpa | (offset & 0xFFF), g.T.Dma(Dev, gva + offset, write: true, pasid: pasid).Address);
        // The guest page is larger than the host page, so the neighbouring 4 KiB of the same guest page is not mapped in the host table.
        if (pageLevel > 1) Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, (gva + offset) ^ 0x1000, pasid: pasid).Event);
        Assert.Empty(pageLevel > 1 ? [] : g.T.LogEntries());
    }

    [Fact]
    public void With_host_Mode_0_guest_physical_addresses_are_system_physical()
    {
        var g = new AmdViGuestTables(Dev, hostMode: 0);
        ulong cr3 = g.NewAddressSpace(3);
        g.Map(cr3, 0x7000_0000_0000, 0x60_0000, pageLevel: 2);
        Assert.Equal(0x60_0000UL + 0x1_2344, g.T.Dma(Dev, 0x7000_0001_2344, pasid: 3).Address);
    }

    [Fact]
    public void Without_a_PASID_GIoV_selects_the_guest_tables_of_PASID_0_and_otherwise_the_host_table()
    {
        var g = new AmdViGuestTables(Dev, giov: true);
        ulong cr3 = g.NewAddressSpace(0);
        g.Map(cr3, 0x1000, DataGpa);
        g.HostMap(DataGpa, DataSpa);
        g.HostMap(0x1000, 0x9000);
        Assert.Equal(DataSpa, g.T.Dma(Dev, 0x1000).Address);
        g.WriteDte(giov: false);
        g.T.InvalidateDte(Dev.RequesterId);
        g.T.Machine.Tick(1);
        Assert.Equal(0x9000UL, g.T.Dma(Dev, 0x1000).Address);
    }

    [Theory]
    [InlineData(0)]   // the GCR3 table
    [InlineData(4)]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(1)]
    public void A_guest_structure_missing_from_the_host_table_is_a_host_level_fault_with_GN_clear_and_the_guest_physical_address(int level)
    {
        var g = new AmdViGuestTables(Dev);
        ulong cr3 = g.NewAddressSpace(7);
        g.Map(cr3, 0x4000, DataGpa);
        g.HostMap(DataGpa, DataSpa);
        ulong entry = level == 0 ? g.Gcr3EntryGpa(7) : g.GuestEntry(cr3, 0x4000, level);
        g.HostUnmap(entry);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x4010, pasid: 7).Event);
        var e = Logged(g);
        Assert.Equal(None, e.Flags);
        Assert.Equal(Domain, e.DomainOrPasid);
        Assert.Equal(entry, e.Address);
    }

    [Fact]
    public void The_final_guest_physical_page_goes_through_the_host_table_with_the_request_direction()
    {
        var g = new AmdViGuestTables(Dev);
        ulong cr3 = g.NewAddressSpace(7);
        g.Map(cr3, 0x4000, DataGpa);
        g.Map(cr3, 0x5000, DataGpa + 0x1000);
        g.HostMap(DataGpa, DataSpa, iw: false);
        Assert.Equal(DataSpa + 8, g.T.Dma(Dev, 0x4008, pasid: 7).Address);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x4008, write: true, pasid: 7).Event);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x5008, pasid: 7).Event);
        var events = g.T.LogEntries();
        Assert.Equal(2, events.Count);
        Assert.Equal((Present | Permission | Write, Domain, DataGpa + 8), (events[0].Flags, events[0].DomainOrPasid, events[0].Address));
        Assert.Equal((None, Domain, DataGpa + 0x1008), (events[1].Flags, events[1].DomainOrPasid, events[1].Address));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    [InlineData(2)]
    [InlineData(1)]
    public void A_guest_entry_not_present_at_any_level_is_an_io_page_fault_with_GN_the_PASID_and_the_guest_virtual_address(int level)
    {
        var g = new AmdViGuestTables(Dev, glx: 1);
        ulong cr3 = g.NewAddressSpace(0xBEEF);
        g.Map(cr3, 0x7F12_3456_7000, DataGpa);
        g.HostMap(DataGpa, DataSpa);
        g.WriteGuest(g.GuestEntry(cr3, 0x7F12_3456_7000, level), g.ReadGuest(g.GuestEntry(cr3, 0x7F12_3456_7000, level)) & ~P);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x7F12_3456_7ABC, write: true, pasid: 0xBEEF).Event);
        var e = Logged(g);
        Assert.Equal(Guest | User | Write, e.Flags);
        Assert.Equal(0xBEEF, e.DomainOrPasid);
        Assert.Equal(0x7F12_3456_7ABCUL, e.Address);
    }

    [Fact]
    public void Guest_RW_and_US_are_anded_down_the_walk_and_a_denied_access_is_a_permission_fault_with_GN()
    {
        var g = new AmdViGuestTables(Dev);
        ulong cr3 = g.NewAddressSpace(1);
        g.Map(cr3, 0x4000_0000, DataGpa);
        g.Map(cr3, 0x8000_0000, DataGpa);
        g.HostMap(DataGpa, DataSpa);
        ulong l3 = g.GuestEntry(cr3, 0x4000_0000, 3);
        g.WriteGuest(l3, g.ReadGuest(l3) & ~RW);            // a read-only directory
        ulong l2 = g.GuestEntry(cr3, 0x8000_0000, 2);
        g.WriteGuest(l2, g.ReadGuest(l2) & ~US);            // supervisor only
        Assert.Equal(DataSpa, g.T.Dma(Dev, 0x4000_0000, pasid: 1).Address);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x4000_0000, write: true, pasid: 1).Event);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x8000_0000, pasid: 1).Event);
        var events = g.T.LogEntries();
        Assert.Equal(Guest | User | Present | Permission | Write, events[0].Flags);
        Assert.Equal(Guest | User | Present | Permission, events[1].Flags);
        Assert.Equal(0x8000_0000UL, events[1].Address);
    }

    [Fact]
    public void PASIDs_beyond_PASmax_beyond_the_GCR3_reach_or_with_an_invalid_GCR3_entry_end_in_their_events()
    {
        var g = new AmdViGuestTables(Dev);
        g.NewAddressSpace(5);
        Assert.Equal("INVALID_DEVICE_REQUEST", g.T.Dma(Dev, 0x1000, pasid: 0x1_0005).Event);   // PASmax=15: 16-bit PASIDs
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x1000, pasid: 0x205).Event);               // GLX=0 indexes 9 bits
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x1000, pasid: 6).Event);                   // GCR3 entry V=0
        g.WriteGuest(g.Gcr3EntryGpa(5), g.ReadGuest(g.Gcr3EntryGpa(5)) | 1UL << 60);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x1000, pasid: 5).Event);                   // reserved bits 63:52
        var e = g.T.LogEntries();
        Assert.Equal((AmdViEventType.InvalidDeviceRequest, (ushort)5, 1UL), (e[0].Type, e[0].DomainOrPasid, (e[0].Lo >> 16) & 0xF));
        Assert.Equal((Guest | User, (ushort)0x205), (e[1].Flags, e[1].DomainOrPasid));
        Assert.Equal((Guest | User, (ushort)6), (e[2].Flags, e[2].DomainOrPasid));
        Assert.Equal(Guest | User | Present | ReservedOrInvalid, e[3].Flags);
    }

    [Fact]
    public void Reserved_guest_bits_and_non_canonical_addresses_fault_with_GN()
    {
        var g = new AmdViGuestTables(Dev);
        ulong cr3 = g.NewAddressSpace(1);
        g.Map(cr3, 0x20_0000, DataGpa, pageLevel: 2, leafFlags: P | RW | US | 1UL << 13);   // bit 13 of a 2 MiB page
        g.Map(cr3, 0x80_0000_0000, DataGpa);
        ulong l4 = g.GuestEntry(cr3, 0x80_0000_0000, 4);
        g.WriteGuest(l4, g.ReadGuest(l4) | PS);                                               // PS at level 4
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x20_0000, pasid: 1).Event);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x80_0000_0000, pasid: 1).Event);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 1UL << 50, pasid: 1).Event);               // not canonical for 48 bits
        var e = g.T.LogEntries();
        Assert.Equal(Guest | User | Present | ReservedOrInvalid, e[0].Flags);
        Assert.Equal(Guest | User | Present | ReservedOrInvalid, e[1].Flags);
        Assert.Equal(Guest | User, e[2].Flags);
    }

    [Fact]
    public void An_unbacked_guest_table_is_a_page_table_hardware_error_at_its_system_physical_address()
    {
        var g = new AmdViGuestTables(Dev);
        ulong cr3 = g.NewAddressSpace(1);
        g.Map(cr3, 0x1000, DataGpa);
        ulong l2 = g.GuestEntry(cr3, 0x1000, 2);
        g.HostMap(l2 & ~0xFFFUL, 0x8000_0000);          // beyond the 1 GiB of memory
        Assert.Equal("PAGE_TAB_HARDWARE_ERROR", g.T.Dma(Dev, 0x1000, pasid: 1).Event);
        var e = Logged(g);
        Assert.Equal(0x8000_0000UL | (l2 & 0xFFF), e.Address);
        Assert.Equal(Guest, e.Flags);
    }

    [Fact]
    public void Guest_translations_stay_stale_until_INVALIDATE_IOMMU_PAGES_with_GN_and_their_PASID_and_host_changes_until_GN_0()
    {
        var g = new AmdViGuestTables(Dev);
        ulong cr3 = g.NewAddressSpace(4);
        ulong leaf = g.Map(cr3, 0x6000, DataGpa);
        g.HostMap(DataGpa, DataSpa);
        g.HostMap(DataGpa + 0x1000, 0x31_0000);
        Assert.Equal(DataSpa, g.T.Dma(Dev, 0x6000, pasid: 4).Address);
        g.WriteGuest(leaf, (DataGpa + 0x1000) | P | RW | US);
        Assert.Equal(DataSpa, g.T.Dma(Dev, 0x6000, pasid: 4).Address);
        g.InvalidatePages(Domain, 0x6000, guest: false);          // host-side: the GVA is no guest physical page of it
        g.InvalidatePages(Domain, 0x6000, guest: true, pasid: 5); // another PASID
        g.InvalidatePages(Domain + 1, 0x6000, guest: true, pasid: 4);
        g.T.Machine.Tick(3);
        Assert.Equal(DataSpa, g.T.Dma(Dev, 0x6000, pasid: 4).Address);
        g.InvalidatePages(Domain, 0x6000, guest: true, pasid: 4);
        g.T.Machine.Tick(1);
        Assert.Equal(0x31_0000UL, g.T.Dma(Dev, 0x6000, pasid: 4).Address);
        // A host-table change under the guest page: stale until a GN=0 invalidation covering the guest physical page.
        g.HostMap(DataGpa + 0x1000, 0x32_0000);
        Assert.Equal(0x31_0000UL, g.T.Dma(Dev, 0x6000, pasid: 4).Address);
        g.InvalidatePages(Domain, DataGpa + 0x1000, guest: false);
        g.T.Machine.Tick(1);
        Assert.Equal(0x32_0000UL, g.T.Dma(Dev, 0x6000, pasid: 4).Address);
        // INVALIDATE_IOMMU_ALL drops guest translations too.
        Assert.Equal(1, g.T.Unit.GuestIotlb.Count);
        g.T.Command(AmdViTables.Op(8));
        g.T.Machine.Tick(1);
        Assert.Equal(0, g.T.Unit.GuestIotlb.Count);
        Assert.Empty(g.T.LogEntries());
    }

    [Fact]
    public void The_unit_reports_GTSup_GATS_GLXSup_and_PASmax_with_gt_and_GTEn_gates_guest_translation()
    {
        var g = new AmdViGuestTables(Dev);
        var efr = new ExtendedFeatureRegister(g.T.Reg(AmdViRegisterOffsets.ExtendedFeature));
        Assert.Equal((true, 5, 2, 15), (efr.GuestTranslationSupported, efr.GuestLevels, efr.GcrLevelsSupported, efr.PasidMax));
        var plain = new AmdViTables().Enable();
        Assert.Equal(0UL, plain.Reg(AmdViRegisterOffsets.ExtendedFeature) & (1UL << 4 | 0xFUL << 12 | 0x1FUL << 32));
        ulong cr3 = g.NewAddressSpace(2);
        g.Map(cr3, 0x3000, DataGpa);
        g.HostMap(DataGpa, DataSpa);
        g.T.SetControl(ControlBits.None, ControlBits.GuestTranslationEnable);
        Assert.Equal("IO_PAGE_FAULT", g.T.Dma(Dev, 0x3000, pasid: 2).Event);
        g.T.SetControl(ControlBits.GuestTranslationEnable);
        Assert.Equal(DataSpa, g.T.Dma(Dev, 0x3000, pasid: 2).Address);
        // GuestPagingMode 2 is reserved: ILLEGAL_DEV_TABLE_ENTRY.
        g.WriteDte(pagingMode: 2);
        g.T.InvalidateDte(Dev.RequesterId);
        g.T.Machine.Tick(1);
        Assert.Equal("ILLEGAL_DEV_TABLE_ENTRY", g.T.Dma(Dev, 0x3000, pasid: 2).Event);
    }
}
