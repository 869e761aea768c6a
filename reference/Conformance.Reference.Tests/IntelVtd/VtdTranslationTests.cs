using Conformance.Reference.IntelVtd;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Tests.IntelVtd;

public class VtdTranslationTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);

    [Theory]
    [InlineData(39, 3)]
    [InlineData(48, 4)]
    [InlineData(57, 5)]
    public void A_4KiB_page_translates_at_every_level_count_up_to_the_top_of_the_address_width(int aw, int levels)
    {
        var config = new VtdUnitConfig { Id = "dmar0", MmioBase = VtdTables.MmioBase, AddressWidth = aw, Sagaw = VtdUnitConfig.DefaultSagaw(aw) };
        var (t, top) = VtdTables.WithDevice(Dev, levels: levels, config: config);
        ulong iova = (1UL << (aw - 1)) | 0x5000;   // highest half of the address space: every level's index is used
        t.Map(top, levels, iova, 0x3A_7000);
        var r = t.Translate(Dev, iova + 0x123, write: true);
        Assert.Equal(DmaResultKind.Ok, r.Kind);
        Assert.Equal(0x3A_7123UL, r.Address);
        // One bit more than the width is beyond MGAW/AGAW.
        if (aw < 57) Assert.Equal(4, t.Translate(Dev, 1UL << aw).Reason);
    }

    [Theory]
    [InlineData(2, 0x4020_0000UL, 0x0060_0000UL, 0x1_2345UL)]
    [InlineData(3, 0x8000_0000UL, 0x0000_0000UL, 0x2345_6789UL)]
    public void Super_pages_translate_the_whole_page_with_its_offset(int pageLevel, ulong iova, ulong pa, ulong offset)
    {
        var (t, top) = VtdTables.WithDevice(Dev);
        t.Map(top, 4, iova, pa, pageLevel);
        var r = t.Translate(Dev, iova + offset);
        Assert.Equal(DmaResultKind.Ok, r.Kind);
        Assert.Equal(pa + offset, r.Address);
        Assert.Equal(pageLevel, t.Unit.Iotlb.TryLookup(1, iova + offset, out var e) ? e.Level : -1);
    }

    [Fact]
    public void Rights_are_anded_down_the_walk_so_a_read_only_directory_makes_its_pages_read_only()
    {
        var (t, top) = VtdTables.WithDevice(Dev);
        t.Map(top, 4, 0x7000, 0x3A_7000);
        ulong pde = t.EntryAddress(top, 4, 0x7000, 2);
        t.Write64(pde, t.Read64(pde) & ~2UL);                      // W=0 at level 2, leaf still R/W
        Assert.Equal(DmaResultKind.Ok, t.Translate(Dev, 0x7000).Kind);
        var w = t.Translate(Dev, 0x7000, write: true);
        Assert.Equal((int)VtdFaultReason.WriteDenied, w.Reason);
        Assert.False(t.Unit.Iotlb.TryLookup(1, 0x7000, out var e) && e.Write);
    }

    [Fact]
    public void Translation_disabled_passes_addresses_through_and_pass_through_contexts_do_too()
    {
        var t = new VtdTables().WithRootTable();
        Assert.Equal(0x1234_5000UL, t.Translate(Dev, 0x1234_5000).Address);
        t.SetContext(Dev, 0, type: TranslationType.PassThrough);
        t.EnableTranslation();
        var r = t.Translate(Dev, 0x1234_5000, write: true);
        Assert.Equal(DmaResultKind.Ok, r.Kind);
        Assert.Equal(0x1234_5000UL, r.Address);
    }

    [Fact]
    public void A_machine_DMA_moves_bytes_to_the_translated_pages_chunk_by_chunk()
    {
        var (t, top) = VtdTables.WithDevice(Dev);
        t.Map(top, 4, 0x10_0000, 0x50_0000);
        t.Map(top, 4, 0x10_1000, 0x20_0000);
        var data = Enumerable.Range(0, 0x1800).Select(i => (byte)(i >> 4)).ToArray();
        var o = t.Machine.Dma(Dev, 0x10_0800, data, DmaDirection.Write);
        Assert.True(o.IsOk);
        Assert.True(t.Memory.TryReadLe(0x50_0810, 1, out ulong first));
        Assert.True(t.Memory.TryReadLe(0x20_0000, 1, out ulong second));
        Assert.Equal(0x01UL, first);
        Assert.Equal(0x80UL, second);
        // The next page is not mapped: the transfer stops there with reason 6 (read).
        var back = new byte[0x2000];
        var o2 = t.Machine.Dma(Dev, 0x10_1000, back, DmaDirection.Read);
        Assert.Equal(DmaResultKind.Fault, o2.Kind);
        Assert.Equal(0x1000, o2.BytesDone);
        Assert.Equal(6, o2.Reason);
    }

    [Fact]
    public void A_DMA_write_to_the_interrupt_window_is_an_interrupt_even_with_a_mapping_there()
    {
        var (t, top) = VtdTables.WithDevice(Dev);
        t.Map(top, 4, 0xFEE0_0000, 0x30_0000);
        Assert.Equal(DmaResultKind.Interrupt, t.Translate(Dev, 0xFEE0_0000, write: true).Kind);
        var o = t.Machine.Dma(Dev, 0xFEE0_1000, BitConverter.GetBytes(0x41u), DmaDirection.Write);
        Assert.Equal(DmaResultKind.Interrupt, o.Kind);
        Assert.Equal(InterruptResultKind.Delivered, o.Interrupt!.Value.Kind);
        Assert.Equal(0x41, t.Machine.Interrupts[1].Delivered.Single().Vector);
        Assert.False(t.Memory.TryReadLe(0x30_0000, 4, out ulong v) && v != 0);
        // Only a DWORD write is an interrupt request; an 8-byte write there is blocked (VT-d 3.14).
        var wide = t.Bridge.Translate(new DmaRequest(0, Dev.RequesterId, 0xFEE0_0000, 8, DmaDirection.Write));
        Assert.Equal(0xE, wide.Reason);
    }

    [Fact]
    public void Units_serve_the_devices_in_their_scope_and_the_scope_less_unit_serves_the_rest()
    {
        var memory = new Memory.PhysicalMemory([new Memory.MemoryRegion(0, 1UL << 30)]);
        var machine = new Machine(memory);
        var gfx = new Bdf(0, 0, 2, 0);
        var bridge = VtdPlatform.Attach(machine,
        [
            new VtdUnitConfig { Id = "gfx", MmioBase = 0xFED9_0000, Scope = [gfx] },
            new VtdUnitConfig { Id = "all", MmioBase = 0xFED9_1000 },
        ]);
        Assert.Same(machine.Bridge, bridge);
        Assert.Equal("intel-vtd", bridge.Platform);
        Assert.Equal("gfx", bridge.UnitFor(gfx)!.Id);
        Assert.Equal("all", bridge.UnitFor(new Bdf(0, 5, 0, 0))!.Id);
        Assert.Equal("all", bridge.UnitFor(new Bdf(1, 0, 2, 0))!.Id);
        Assert.Equal(0x10UL, machine.CpuRead(0xFED9_1000, 4));
    }
}
