using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>§2.2.2 device table and §2.2.3 host (v1) page-table walk, ending in the architected events.</summary>
public class AmdViTranslationTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);
    private static ushort DevId => Dev.RequesterId;

    private static (AmdViTables T, ulong Top) Domain(int mode, ushort domain = 5, AmdViUnitConfig? config = null)
    {
        var t = new AmdViTables(config).Enable();
        ulong top = t.AllocPage();
        t.SetDte(DevId, AmdViTables.DteQ0(top, mode), domain);
        return (t, top);
    }

    private static AmdViEventEntry LastLogged(AmdViTables t) => Assert.Single(t.LogEntries());

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 1)]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 1)]
    [InlineData(6, 1)]
    [InlineData(6, 4)]
    public void Every_mode_translates_pages_of_every_level_with_NextLevel_0(int mode, int pageLevel)
    {
        var (t, top) = Domain(mode, config: new AmdViUnitConfig { Id = "ivhd0", MmioBase = AmdViTables.MmioBase, Levels = 6 });
        int shift = 12 + 9 * (pageLevel - 1);
        ulong iova = mode == 1 ? 0x5000UL : 0x3UL << shift;
        ulong pa = pageLevel >= 3 ? 0 : 0x60_0000UL;
        t.Map(top, mode, iova, pa, pageLevel);
        ulong offset = 0x123 & ((1UL << shift) - 1);
        var o = t.Dma(Dev, iova + offset);
        Assert.Equal(DmaResultKind.Ok, o.Kind);
        Assert.Equal(pa + offset, o.Address);
    }

    [Theory]
    [InlineData(1, 13)]   // 8 KiB: two replicated level-1 PTEs
    [InlineData(1, 15)]   // 32 KiB
    [InlineData(2, 22)]   // 4 MiB: two level-2 PTEs
    [InlineData(3, 31)]   // 2 GiB at level 3
    public void NextLevel_7_maps_the_page_size_encoded_in_the_address(int level, int pageShift)
    {
        var (t, top) = Domain(4);
        ulong size = 1UL << pageShift;
        ulong iova = size * 3, pa = level == 3 ? 0 : size * 5;
        int lowShift = 12 + 9 * (level - 1);
        // Table 14: address bits from 12 up to pageShift-2 set, bit pageShift-1 clear.
        ulong encoded = pa | ((size >> 1) - 1) & ~0xFFFUL;
        for (ulong off = 0; off < size; off += 1UL << lowShift)
            t.Map(top, 4, iova + off, encoded, level, leafNextLevel: 7);
        // The last bytes of the page translate (a 2 GiB page runs past the 1 GiB of memory: the access then aborts, translated).
        var o = t.Dma(Dev, iova + size - 8);
        Assert.NotEqual(DmaResultKind.Fault, o.Kind);
        Assert.Equal(pa + size - 8, o.Address);
        Assert.Equal(pa + 0x10, t.Dma(Dev, iova + 0x10).Address);
    }

    [Fact]
    public void A_page_size_encoding_not_above_the_level_default_is_an_io_page_fault_with_PR()
    {
        var (t, top) = Domain(4);
        // At level 2 an encoded 4 KiB.. 2 MiB page is not larger than the level's own 2 MiB default.
        t.Map(top, 4, 0x20_0000, 0x40_0000 | 0x7F000, 2, leafNextLevel: 7);
        var o = t.Dma(Dev, 0x20_0000);
        Assert.Equal("IO_PAGE_FAULT", o.Event);
        var e = LastLogged(t);
        Assert.Equal(AmdViEventFlags.Present, e.Flags);   // VBox: PR set, RZ clear for level encodings
    }

    [Fact]
    public void A_directory_may_skip_levels_when_the_skipped_address_bits_are_zero()
    {
        var (t, top) = Domain(4);
        ulong l1 = t.AllocPage();
        t.Write64(top, l1 | 1UL << 9 | 3UL << 61 | 1);   // level 4, index 0 -> NextLevel 1 (skips 3 and 2)
        t.Write64(l1 + 5 * 8, 0x77_7000 | 3UL << 61 | 1);
        Assert.Equal(0x77_7010UL, t.Dma(Dev, 0x5010).Address);
        // The same walk with a non-zero level-2 index bit is an IO_PAGE_FAULT (PR).
        var o = t.Dma(Dev, 0x20_5010);
        Assert.Equal("IO_PAGE_FAULT", o.Event);
        Assert.Equal(AmdViEventFlags.Present, LastLogged(t).Flags);
    }

    [Fact]
    public void A_NextLevel_not_below_the_current_level_is_an_io_page_fault()
    {
        var (t, top) = Domain(3);
        t.Write64(top, t.AllocPage() | 3UL << 9 | 3UL << 61 | 1);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x1000).Event);
    }

    [Fact]
    public void A_not_present_entry_logs_io_page_fault_with_device_domain_and_address()
    {
        var (t, top) = Domain(3, domain: 0x42);
        t.Map(top, 3, 0x1000, 0x9000);
        var o = t.Dma(Dev, 0x2008, write: true);
        Assert.Equal(DmaResultKind.Fault, o.Kind);
        Assert.Equal("IO_PAGE_FAULT", o.Event);
        var e = LastLogged(t);
        Assert.Equal(AmdViEventType.IoPageFault, e.Type);
        Assert.Equal(DevId, e.DeviceId);
        Assert.Equal(0x42, e.DomainOrPasid);
        Assert.Equal(AmdViEventFlags.Write, e.Flags);
        Assert.Equal(0x2008UL, e.Address);
        Assert.Equal(2UL, t.Read64(t.EventLog) >> 60);
    }

    [Theory]
    [InlineData(false, false)]   // PTE read-only: write faults
    [InlineData(true, true)]     // directory without IW: write faults although the PTE grants it
    public void Rights_are_anded_from_the_dte_through_every_level(bool pteIw, bool clearDirIw)
    {
        var (t, top) = Domain(3);
        t.Map(top, 3, 0x1000, 0x9000, iw: pteIw);
        if (clearDirIw) t.Write64(top, t.Read64(top) & ~(1UL << 62));
        Assert.True(t.Dma(Dev, 0x1000).IsOk);
        var w = t.Dma(Dev, 0x1000, write: true);
        Assert.Equal("IO_PAGE_FAULT", w.Event);
        Assert.Equal(AmdViEventFlags.Present | AmdViEventFlags.Permission | AmdViEventFlags.Write, LastLogged(t).Flags);
    }

    [Fact]
    public void The_dte_IR_bit_clear_denies_reads_through_the_walk()
    {
        var (t, top) = Domain(3);
        t.SetDte(DevId, AmdViTables.DteQ0(top, 3, ir: false), 5);
        t.Map(top, 3, 0x1000, 0x9000);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x1000).Event);
        Assert.True(t.Dma(Dev, 0x1000, write: true).IsOk);
    }

    [Theory]
    [InlineData(3, 1UL << 39)]
    [InlineData(4, 1UL << 48)]
    [InlineData(1, 1UL << 21)]
    public void An_address_beyond_the_modes_width_is_an_io_page_fault(int mode, ulong address)
    {
        var (t, _) = Domain(mode);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, address).Event);
    }

    [Fact]
    public void V_0_passes_untranslated_and_TV_0_is_an_io_page_fault()
    {
        var t = new AmdViTables().Enable();
        t.SetDte(DevId, 0);
        Assert.Equal(0x1234UL, t.Dma(Dev, 0x1234).Address);
        t.SetDte(DevId, AmdViTables.DteQ0(t.AllocPage(), 3, tv: false));
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x1234).Event);
    }

    [Fact]
    public void Mode_0_lets_the_dte_IR_IW_bits_decide_untranslated()
    {
        var t = new AmdViTables().Enable();
        t.SetDte(DevId, AmdViTables.DteQ0(0, 0, ir: true, iw: false));
        Assert.Equal(0x5678UL, t.Dma(Dev, 0x5678).Address);
        var w = t.Dma(Dev, 0x5678, write: true);
        Assert.Equal("IO_PAGE_FAULT", w.Event);
        Assert.Equal(AmdViEventFlags.Present | AmdViEventFlags.Permission | AmdViEventFlags.Write, LastLogged(t).Flags);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(5)]
    public void Mode_7_or_above_EFR_HATS_is_an_io_page_fault(int mode)
    {
        var (t, _) = Domain(mode);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x1000).Event);
    }

    [Fact]
    public void IOMMU_disabled_passes_everything_untranslated()
    {
        var (t, _) = Domain(3);
        t.SetControl(ControlBits.None, ControlBits.IommuEnable);
        Assert.Equal(0xABC0UL, t.Dma(Dev, 0xABC0).Address);
    }

    [Theory]
    [InlineData(1UL << 2, "ILLEGAL_DEV_TABLE_ENTRY")]
    [InlineData(1UL << 63, "ILLEGAL_DEV_TABLE_ENTRY")]
    [InlineData(1UL << 55, "ILLEGAL_DEV_TABLE_ENTRY")]  // GV with EFR.GTSup=0
    public void Reserved_dte_bits_log_illegal_dev_table_entry(ulong extra, string expected)
    {
        var t = new AmdViTables().Enable();
        t.SetDte(DevId, AmdViTables.DteQ0(t.AllocPage(), 3) | extra);
        Assert.Equal(expected, t.Dma(Dev, 0x1000).Event);
        var e = LastLogged(t);
        Assert.Equal(AmdViEventType.IllegalDevTableEntry, e.Type);
        Assert.Equal(DevId, e.DeviceId);
    }

    [Fact]
    public void GV_with_GT_supported_and_enabled_translates_requests_without_pasid_through_the_host_table()
    {
        var cfg = new AmdViUnitConfig { Id = "ivhd0", MmioBase = AmdViTables.MmioBase, GuestTranslation = true };
        var (t, top) = Domain(3, config: cfg);
        t.SetControl(ControlBits.GuestTranslationEnable);
        t.SetDte(DevId, AmdViTables.DteQ0(top, 3) | 1UL << 55, 5);
        t.Map(top, 3, 0x1000, 0x9000);
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);
        // With a PASID the GCR3 table (root 0, guest physical) is looked up through the host table, which does not map it:
        // a host-level IO_PAGE_FAULT (GN=0) at PASID 7's GCR3 entry.
        var g = t.Dma(Dev, 0x1000, pasid: 7);
        Assert.Equal("IO_PAGE_FAULT", g.Event);
        Assert.Equal((AmdViEventFlags.None, 7UL * 8), (LastLogged(t).Flags, LastLogged(t).Address));
    }

    [Fact]
    public void A_device_id_beyond_the_device_table_is_an_io_page_fault()
    {
        var t = new AmdViTables().Enable(sizeField: 0);   // 128 entries
        var far = new Bdf(0, 2, 0, 0);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(far, 0x1000).Event);
        Assert.Equal(far.RequesterId, LastLogged(t).DeviceId);
    }

    [Fact]
    public void An_unbacked_device_table_logs_dev_tab_hardware_error_and_an_unbacked_page_table_page_tab_hardware_error()
    {
        var t = new AmdViTables().Enable();
        t.SetReg(DeviceTableBase, 0x8000_0000UL | 7);    // beyond the 1 GiB of memory
        var o = t.Dma(Dev, 0x1000);
        Assert.Equal("DEV_TAB_HARDWARE_ERROR", o.Event);
        var e = LastLogged(t);
        Assert.Equal(0x8000_0000UL + DevId * 32UL, e.Address);
        Assert.Equal(1UL, (e.Lo >> 57) & 3);               // Type 1: master abort

        var u = new AmdViTables().Enable();
        u.SetDte(DevId, AmdViTables.DteQ0(0x9000_0000, 3), 5);
        Assert.Equal("PAGE_TAB_HARDWARE_ERROR", u.Dma(Dev, 0x1000).Event);
        Assert.Equal(AmdViEventType.PageTabHardwareError, LastLogged(u).Type);
    }

    [Fact]
    public void The_exclusion_range_passes_untranslated_for_EX_devices_or_with_Allow()
    {
        var (t, _) = Domain(3);
        t.SetReg(ExclusionBase, 0x10_0000UL | 1);
        t.SetReg(ExclusionLimit, 0x1F_F000);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x10_0040).Event);            // EX=0, Allow=0
        t.SetReg(ExclusionBase, 0x10_0000UL | 3);
        Assert.Equal(0x10_0040UL, t.Dma(Dev, 0x10_0040).Address);            // Allow=1
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x20_0000).Event);            // above the limit
    }

    [Fact]
    public void DTE_SA_suppresses_the_log_entry_but_not_the_fault()
    {
        var (t, _) = Domain(3);
        t.SetDte(DevId, AmdViTables.DteQ0(t.AllocPage(), 3), 5 | 1UL << 34);
        Assert.Equal("IO_PAGE_FAULT", t.Dma(Dev, 0x1000).Event);
        Assert.Empty(t.LogEntries());
    }
}
