using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>§2.2.5 interrupt remapping with the 32-bit IRTE format.</summary>
public class AmdViInterruptRemappingTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);
    private static ushort DevId => Dev.RequesterId;

    /// <summary>RemapEn, IntType fixed, Destination 15:8, Vector 23:16.</summary>
    private static uint Irte(byte dest, byte vector, bool remap = true, int intType = 0, bool supIopf = false, bool guest = false) =>
        (remap ? 1u : 0) | (supIopf ? 2u : 0) | (uint)intType << 2 | (guest ? 0x80u : 0) | (uint)dest << 8 | (uint)vector << 16;

    private static (AmdViTables T, ulong Table) Setup(int lengthField = 4, int intCtl = 2, bool nmiPass = false)
    {
        var t = new AmdViTables().Enable();
        ulong table = t.AllocPage();
        t.SetDte(DevId, AmdViTables.DteQ0(0, 0), 5, AmdViTables.DteQ2(table, lengthField, intCtl, nmiPass));
        return (t, table);
    }

    private static void SetIrte(AmdViTables t, ulong table, int index, uint raw) => Assert.True(t.Memory.TryWriteLe(table + (ulong)index * 4, 4, raw));

    [Fact]
    public void A_remapped_msi_reaches_the_irte_destination_and_vector_indexed_by_data_10_0()
    {
        var (t, table) = Setup();
        SetIrte(t, table, 9, Irte(dest: 3, vector: 0x41));
        var o = t.Msi(Dev, 0x0009, 0xFEE0_0000);        // compatibility address says destination 0, vector 9
        Assert.Equal(InterruptResultKind.Delivered, o.Kind);
        Assert.Equal((3u, 0x41), (o.Destination, o.Vector));
        Assert.Equal(0x41, Assert.Single(t.Machine.Interrupts[3].Delivered).Vector);
    }

    [Fact]
    public void An_index_beyond_IntTabLen_is_blocked_with_an_io_page_fault_flagged_I()
    {
        var (t, _) = Setup(lengthField: 4);               // 16 entries
        var o = t.Msi(Dev, 16);
        Assert.Equal(("IO_PAGE_FAULT", InterruptResultKind.Blocked), (o.Event, o.Kind));
        var e = Assert.Single(t.LogEntries());
        Assert.Equal(AmdViEventType.IoPageFault, e.Type);
        Assert.True(e.Flags.HasFlag(AmdViEventFlags.Interrupt));
        Assert.Equal(0xFEE0_0000UL, e.Address);
    }

    [Fact]
    public void RemapEn_0_blocks_with_an_io_page_fault_unless_SupIOPF()
    {
        var (t, table) = Setup();
        SetIrte(t, table, 1, Irte(1, 0x50, remap: false));
        SetIrte(t, table, 2, Irte(1, 0x50, remap: false, supIopf: true));
        Assert.Equal("IO_PAGE_FAULT", t.Msi(Dev, 1).Event);
        var s = t.Msi(Dev, 2);
        Assert.Equal(InterruptResultKind.Blocked, s.Kind);
        Assert.Null(s.Event);
        Assert.Single(t.LogEntries());
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(0, true)]
    public void A_reserved_IntType_or_GuestMode_without_GAEn_is_an_io_page_fault_with_RZ(int intType, bool guest)
    {
        var (t, table) = Setup();
        SetIrte(t, table, 0, Irte(1, 0x50, intType: intType, guest: guest));
        Assert.Equal("IO_PAGE_FAULT", t.Msi(Dev, 0).Event);
        Assert.True(Assert.Single(t.LogEntries()).Flags.HasFlag(AmdViEventFlags.ReservedOrInvalid));
    }

    [Fact]
    public void IntCtl_0_target_aborts_without_an_event_1_forwards_unmapped_and_3_is_an_illegal_dte()
    {
        var (t0, _) = Setup(intCtl: 0);
        var a = t0.Msi(Dev, 0x22);
        Assert.Equal((InterruptResultKind.Blocked, (string?)null), (a.Kind, a.Event));
        Assert.Empty(t0.LogEntries());
        var (t1, _) = Setup(intCtl: 1);
        var f = t1.Msi(Dev, 0x22, 0xFEE0_5000);
        Assert.Equal((5u, 0x22), (f.Destination, f.Vector));
        var (t3, _) = Setup(intCtl: 3);
        Assert.Equal("ILLEGAL_DEV_TABLE_ENTRY", t3.Msi(Dev, 0x22).Event);
    }

    [Fact]
    public void NMI_passes_only_with_the_dte_NMIPass_bit()
    {
        var (t, _) = Setup();
        Assert.Equal(InterruptResultKind.Blocked, t.Msi(Dev, 0x400).Kind);     // delivery mode 4 (NMI)
        var (p, _) = Setup(nmiPass: true);
        Assert.Equal(InterruptResultKind.Delivered, p.Msi(Dev, 0x400).Kind);
    }

    [Fact]
    public void IV_0_passes_the_msi_through_unremapped_and_IV_1_remaps_even_with_V_0()
    {
        var (t, table) = Setup();
        SetIrte(t, table, 0x13, Irte(1, 0x77));
        t.SetDte(DevId, AmdViTables.DteQ0(0, 0), 5, 0);
        t.InvalidateDte(DevId);
        t.Machine.Tick(1);
        var o = t.Msi(Dev, 0x13, 0xFEE0_2000);
        Assert.Equal((2u, 0x13), (o.Destination, o.Vector));
        t.SetDte(DevId, 0, 5, AmdViTables.DteQ2(table, 8));
        t.InvalidateDte(DevId);
        t.Machine.Tick(1);
        var r = t.Msi(Dev, 0x13, 0xFEE0_2000);
        Assert.Equal((1u, 0x77), (r.Destination, r.Vector));
    }

    [Fact]
    public void A_changed_irte_is_seen_only_after_INVALIDATE_INTERRUPT_TABLE()
    {
        var (t, table) = Setup();
        SetIrte(t, table, 3, Irte(1, 0x40));
        Assert.Equal(0x40, t.Msi(Dev, 3).Vector);
        SetIrte(t, table, 3, Irte(1, 0x48));
        Assert.Equal(0x40, t.Msi(Dev, 3).Vector);
        t.InvalidateInterruptTable(new Bdf(0, 0, 4, 0).RequesterId);
        t.Machine.Tick(1);
        Assert.Equal(0x40, t.Msi(Dev, 3).Vector);
        t.InvalidateInterruptTable(DevId);
        t.Machine.Tick(1);
        Assert.Equal(0x48, t.Msi(Dev, 3).Vector);
    }

    [Fact]
    public void A_dma_write_into_the_interrupt_window_is_remapped_as_an_msi()
    {
        var (t, table) = Setup();
        SetIrte(t, table, 5, Irte(2, 0x66));
        var buffer = new byte[] { 5, 0, 0, 0 };
        var o = t.Machine.Dma(Dev, 0xFEE0_0000, buffer, DmaDirection.Write);
        Assert.Equal(DmaResultKind.Interrupt, o.Kind);
        Assert.Equal(0x66, Assert.Single(t.Machine.Interrupts[2].Delivered).Vector);
    }

    [Fact]
    public void With_GASup_and_GAEn_the_table_holds_128_bit_entries_with_32_bit_destinations()
    {
        var t = new AmdViTables(new AmdViUnitConfig { Id = "ivhd0", MmioBase = AmdViTables.MmioBase, GuestApic = true }).Enable();
        Assert.Equal(1UL, (t.Reg(AmdViRegisterOffsets.ExtendedFeature) >> 7) & 1);
        ulong table = t.AllocPage();
        t.SetDte(DevId, AmdViTables.DteQ0(0, 0), 5, AmdViTables.DteQ2(table, 4));
        t.SetControl(ControlBits.GuestApicEnable);
        // Entry 3 at 3*16: RemapEn, Destination[23:0] = 0x000102, Vector 0x61, Destination[31:24] = 0x01.
        t.Write64(table + 48, 1UL | 0x000102UL << 8);
        t.Write64(table + 56, 0x61UL | 0x01UL << 56);
        var o = t.Msi(Dev, 3);
        Assert.Equal((0x0100_0102u, 0x61), (o.Destination, o.Vector));
        t.Write64(table + 64, 1UL | 0x80UL);                                  // entry 4: GuestMode without guest virtual APIC
        Assert.Equal("IO_PAGE_FAULT", t.Msi(Dev, 4).Event);
    }
}
