using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>§2.4 command buffer: caches stay stale until invalidated at a covering granularity; errors halt the buffer.</summary>
public class AmdViCommandTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);
    private static readonly Bdf Dev2 = new(0, 0, 4, 0);

    private static (AmdViTables T, ulong Top) Mapped()
    {
        var t = new AmdViTables().Enable();
        ulong top = t.AllocPage();
        t.SetDte(Dev.RequesterId, AmdViTables.DteQ0(top, 3), 5);
        t.SetDte(Dev2.RequesterId, AmdViTables.DteQ0(top, 3), 5);
        t.Map(top, 3, 0x1000, 0x9000);
        t.Map(top, 3, 0x2000, 0xA000);
        t.Map(top, 3, 0x40_0000, 0x60_0000, pageLevel: 2);
        return (t, top);
    }

    [Fact]
    public void A_changed_dte_is_seen_only_after_INVALIDATE_DEVTAB_ENTRY_for_that_device()
    {
        var (t, _) = Mapped();
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);
        t.SetDte(Dev.RequesterId, AmdViTables.DteQ0(0, 0));                       // now Mode 0, IR/IW: identity
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);                       // cached DTE
        t.InvalidateDte(Dev2.RequesterId);
        t.Machine.Tick(4);
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);                       // another device's invalidation
        t.InvalidateDte(Dev.RequesterId);
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);                       // queued, not yet processed
        t.Machine.Tick(1);
        Assert.Equal(0x1000UL, t.Dma(Dev, 0x1000).Address);
    }

    [Fact]
    public void A_changed_pte_is_seen_only_after_INVALIDATE_IOMMU_PAGES_for_its_domain_and_page()
    {
        var (t, top) = Mapped();
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);
        Assert.Equal(0xA000UL, t.Dma(Dev, 0x2000).Address);
        t.Map(top, 3, 0x1000, 0xB000);
        t.Map(top, 3, 0x2000, 0xC000);
        t.InvalidatePages(6, 0x1000);                                             // other domain
        t.InvalidatePages(5, 0x3000);                                             // other page
        t.Machine.Tick(8);
        Assert.Equal(0x9000UL, t.Dma(Dev, 0x1000).Address);
        t.InvalidatePages(5, 0x1000);
        t.Machine.Tick(8);
        Assert.Equal(0xB000UL, t.Dma(Dev, 0x1000).Address);
        Assert.Equal(0xA000UL, t.Dma(Dev, 0x2000).Address);                       // the neighbour stays stale
    }

    [Fact]
    public void Size_encoded_invalidation_covers_the_encoded_range_and_the_all_ones_address_the_whole_domain()
    {
        var (t, top) = Mapped();
        _ = t.Dma(Dev, 0x1000); _ = t.Dma(Dev, 0x2000); _ = t.Dma(Dev, 0x40_0000);
        t.Map(top, 3, 0x1000, 0xB000);
        t.Map(top, 3, 0x2000, 0xC000);
        t.Map(top, 3, 0x40_0000, 0x80_0000, pageLevel: 2);
        // S=1, address 0x0000 with bit 12 clear: 8 KiB at 0 (pages 0x0000 and 0x1000), not 0x2000.
        t.InvalidatePages(5, 0x0000, s: true);
        t.Machine.Tick(1);
        Assert.Equal(0xB000UL, t.Dma(Dev, 0x1000).Address);
        Assert.Equal(0xA000UL, t.Dma(Dev, 0x2000).Address);
        Assert.Equal(0x60_0000UL, t.Dma(Dev, 0x40_0000).Address);
        t.InvalidatePages(5, 0x7FFF_FFFF_FFFF_F000, s: true);
        t.Machine.Tick(1);
        Assert.Equal(0xC000UL, t.Dma(Dev, 0x2000).Address);
        Assert.Equal(0x80_0000UL, t.Dma(Dev, 0x40_0000).Address);
    }

    [Fact]
    public void INVALIDATE_IOMMU_ALL_drops_cached_dtes_and_translations()
    {
        var (t, top) = Mapped();
        _ = t.Dma(Dev, 0x1000);
        Assert.Equal(0x9000UL, t.Dma(Dev2, 0x1000).Address);
        t.Map(top, 3, 0x1000, 0xB000);
        t.SetDte(Dev2.RequesterId, 0);
        Assert.Equal(0x9000UL, t.Dma(Dev2, 0x1000).Address);
        t.Command(AmdViTables.Op(8));
        t.Machine.Tick(1);
        Assert.Equal(0xB000UL, t.Dma(Dev, 0x1000).Address);
        Assert.Equal(0x1000UL, t.Dma(Dev2, 0x1000).Address);
    }

    [Fact]
    public void COMPLETION_WAIT_stores_its_data_and_with_I_sets_ComWaitInt_and_interrupts_in_XT_mode()
    {
        var (t, _) = Mapped();
        t.SetReg(EventInterruptXt, 0x31UL << 32 | 2UL << 8);           // vector 0x31, destination 2
        t.SetControl(ControlBits.CompletionWaitInterruptEnable | ControlBits.InterruptCapXtEnable);
        t.CompletionWait(0x5000, 0xFEED_F00D_0000_0001, interrupt: true);
        Assert.Equal(0UL, t.Read64(0x5000));
        Assert.Equal(1, t.Unit.Tick(10));
        Assert.Equal(0xFEED_F00D_0000_0001UL, t.Read64(0x5000));
        Assert.Equal((ulong)StatusBits.CompletionWaitInterrupt, t.Reg(AmdViRegisterOffsets.Status) & (ulong)StatusBits.CompletionWaitInterrupt);
        var i = Assert.Single(t.Machine.Interrupts.All);
        Assert.Equal((2u, 0x31), (i.Destination, i.Vector));
        t.SetReg(AmdViRegisterOffsets.Status, (ulong)StatusBits.CompletionWaitInterrupt);  // RW1C
        Assert.Equal(0UL, t.Reg(AmdViRegisterOffsets.Status) & (ulong)StatusBits.CompletionWaitInterrupt);
        Assert.Equal(16UL, t.Reg(CommandHead));
    }

    [Theory]
    [InlineData(0x0UL, 0UL)]                          // opcode 0 undefined
    [InlineData(0x9UL << 60, 0UL)]                    // opcode 9 undefined
    [InlineData(0x6UL << 60, 0UL)]                    // PREFETCH_IOMMU_PAGES without EFR.PrefSup
    [InlineData(0x7UL << 60, 0UL)]                    // COMPLETE_PPR_REQUEST without EFR.PPRSup
    [InlineData(0x2UL << 60 | 1UL << 16, 0UL)]        // INVALIDATE_DEVTAB_ENTRY reserved bit
    [InlineData(0x3UL << 60 | 1UL << 20, 0UL)]        // INVALIDATE_IOMMU_PAGES reserved bit 20
    [InlineData(0x3UL << 60, 1UL << 3)]               // INVALIDATE_IOMMU_PAGES reserved bit 67
    [InlineData(0x1UL << 60 | 1UL << 52, 0UL)]        // COMPLETION_WAIT reserved bit 52
    [InlineData(0x5UL << 60, 1UL)]                    // INVALIDATE_INTERRUPT_TABLE reserved second quadword
    [InlineData(0x8UL << 60 | 1UL, 0UL)]              // INVALIDATE_IOMMU_ALL reserved bit
    [InlineData(0x4UL << 60, 0UL)]                    // INVALIDATE_IOTLB_PAGES without IOTLB support
    public void An_illegal_command_logs_ILLEGAL_COMMAND_ERROR_with_its_address_and_halts_the_buffer(ulong q0, ulong q1)
    {
        var (t, _) = Mapped();
        t.CompletionWait(0x5000, 1);
        t.Command(q0, q1);
        t.CompletionWait(0x5000, 2);
        Assert.Equal(2, t.Unit.Tick(10));                                    // the first command and the illegal one
        Assert.Equal(1UL, t.Read64(0x5000));
        var e = Assert.Single(t.LogEntries());
        Assert.Equal(AmdViEventType.IllegalCommandError, e.Type);
        Assert.Equal(t.CommandBuffer + 16, e.Address);
        Assert.Equal(32UL, t.Reg(CommandHead));                              // fetched, so the head moved past it
        Assert.Equal(0UL, t.Reg(AmdViRegisterOffsets.Status) & (ulong)StatusBits.CommandBufferRun);
        Assert.Equal(0, t.Unit.Tick(10));
        // Software restarts the buffer: CmdBufEn off and on; processing resumes after the illegal command.
        t.SetControl(ControlBits.None, ControlBits.CommandBufferEnable);
        t.SetControl(ControlBits.CommandBufferEnable);
        Assert.Equal(1, t.Unit.Tick(10));
        Assert.Equal(2UL, t.Read64(0x5000));
    }

    [Fact]
    public void An_unbacked_command_buffer_logs_COMMAND_HARDWARE_ERROR()
    {
        var (t, _) = Mapped();
        t.SetControl(ControlBits.None, ControlBits.CommandBufferEnable);
        t.SetReg(CommandBufferBase, 0x8000_0000UL | 8UL << 56);
        t.SetControl(ControlBits.CommandBufferEnable);
        t.SetReg(CommandTail, 16);
        Assert.Equal(0x8000_0000UL | 8UL << 56, t.Reg(CommandBufferBase));
        Assert.Equal(0, t.Unit.Tick(1));
        var e = Assert.Single(t.LogEntries());
        Assert.Equal(AmdViEventType.CommandHardwareError, e.Type);
        Assert.Equal(0x8000_0000UL, e.Address);
    }

    [Fact]
    public void Ring_base_writes_are_ignored_while_running_or_below_256_entries_and_clear_head_and_tail()
    {
        var (t, _) = Mapped();
        ulong cmd = t.Reg(CommandBufferBase);
        t.SetReg(CommandBufferBase, 0x30_0000UL | 8UL << 56);                 // CmdBufRun: ignored
        Assert.Equal(cmd, t.Reg(CommandBufferBase));
        t.SetControl(ControlBits.None, ControlBits.CommandBufferEnable);
        t.SetReg(CommandBufferBase, 0x30_0000UL | 7UL << 56);                 // ComLen 7: ignored
        Assert.Equal(cmd, t.Reg(CommandBufferBase));
        t.SetReg(CommandTail, 0x40);
        t.SetReg(CommandTail, 0x1000);                                       // beyond the 4 KiB ring: ignored
        Assert.Equal(0x40UL, t.Reg(CommandTail));
        t.SetReg(CommandBufferBase, 0x30_0000UL | 9UL << 56);
        Assert.Equal((0x30_0000UL | 9UL << 56, 0UL, 0UL), (t.Reg(CommandBufferBase), t.Reg(CommandHead), t.Reg(CommandTail)));
    }

    [Fact]
    public void Commands_wait_for_CmdBufEn_and_IOMMUEn()
    {
        var t = new AmdViTables().Enable();
        t.SetControl(ControlBits.None, ControlBits.CommandBufferEnable);
        t.CompletionWait(0x5000, 7);
        Assert.Equal(0, t.Unit.Tick(1));
        t.SetControl(ControlBits.CommandBufferEnable);
        Assert.Equal(1, t.Unit.Tick(1));
        Assert.Equal(7UL, t.Read64(0x5000));
    }
}
