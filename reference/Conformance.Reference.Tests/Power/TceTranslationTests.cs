using Conformance.Reference.Platform;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

public class TceTranslationTests
{
    public static TheoryData<int, ulong, ulong> LevelsAndPageSizes()
    {
        var d = new TheoryData<int, ulong, ulong>();
        foreach (ulong page in new ulong[] { 0x1000, 0x10000, 0x200000, 0x40000000 })
        {
            for (int levels = 1; levels <= 5; levels++) d.Add(levels, page, 0x1000);
        }
        d.Add(2, 0x10000, 0x10000); // Linux's default window: 64K pages, two 64K levels
        return d;
    }

    [Theory]
    [MemberData(nameof(LevelsAndPageSizes))]
    public void A_mapped_IO_page_translates_through_every_level_to_its_real_page(int levels, ulong page, ulong levelBytes)
    {
        var rig = new PowerRig();
        var t = new TceTableBuilder(rig.Memory, 0x100_0000, levels, levelBytes, page);
        // The highest IO page of the window, so every level's top index bits take part (capped to stay in bounds).
        ulong lastPage = Math.Min(t.WindowSize, 1UL << 58) / page - 1;
        ulong offset = lastPage * page;
        ulong real = page >= 0x200000 ? 0 : 0x2_0000 * (page / 0x1000); // page-aligned real address inside memory
        t.Map(offset, real, read: true, write: true);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, t));

        ulong inPage = Math.Min(page / 2, 0x8000) + 0x10;
        var w = rig.Write(PowerRig.DevA, offset + inPage, 0xfeedf00d);
        Assert.True(w.IsOk, w.Why);
        Assert.Equal(real + inPage, w.Address);
        Assert.True(rig.Memory.TryReadLe(real + inPage, 4, out ulong v));
        Assert.Equal(0xfeedf00dUL, v);
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
    }

    [Fact]
    public void Bit_59_selects_the_second_window_of_the_same_PE()
    {
        var rig = new PowerRig();
        var w0 = new TceTableBuilder(rig.Memory, 0x100_0000, 1, 0x1000, 0x1000).Map(0x5000, 0x30_0000);
        var w1 = new TceTableBuilder(rig.Memory, 0x110_0000, 1, 0x1000, 0x1000).Map(0x5000, 0x40_0000);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, w0));
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 1, w1));
        Assert.Equal(0x30_0004UL, rig.Write(PowerRig.DevA, 0x5004, 1).Address);
        Assert.Equal(0x40_0004UL, rig.Write(PowerRig.DevA, (1UL << 59) | 0x5004, 1).Address);
    }

    [Fact]
    public void A_bypass_window_passes_addresses_through_and_freezes_outside_its_range()
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.MapPeDmaWindowReal(0, PowerRig.PeA, PowerRig.PeA * 2 + 1, 1UL << 59, 0x200_0000));
        var ok = rig.Write(PowerRig.DevA, (1UL << 59) | 0x12_3450, 7);
        Assert.True(ok.IsOk, ok.Why);
        Assert.Equal(0x12_3450UL, ok.Address);
        var bad = rig.Write(PowerRig.DevA, (1UL << 59) | 0x200_0000, 7);
        Assert.Equal(DmaResultKind.Frozen, bad.Kind);
        Assert.Equal(PowerRig.PeA, bad.Pe);
    }

    [Fact]
    public void A_write_through_a_read_only_TCE_freezes_the_PE_and_stops_its_later_DMA()
    {
        var rig = new PowerRig();
        var t = new TceTableBuilder(rig.Memory, 0x100_0000, 2, 0x1000, 0x1000).Map(0x3000, 0x50_0000, read: true, write: false);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, t));
        var (r, _) = rig.Read(PowerRig.DevA, 0x3000);
        Assert.True(r.IsOk);
        var w = rig.Write(PowerRig.DevA, 0x3000, 1);
        Assert.Equal(DmaResultKind.Frozen, w.Kind);
        Assert.Equal(PowerRig.PeA, w.Pe);
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.True((rig.Phb.Pest.Record(PowerRig.PeA)!.Value.Pest0 & PeErrorRecord.TceAccessFault) != 0);
        // Even the read that worked before is now stopped.
        Assert.Equal(DmaResultKind.Frozen, rig.Read(PowerRig.DevA, 0x3000).Outcome.Kind);
        Assert.False(rig.Memory.TryReadLe(0x50_0000, 4, out ulong v) && v != 0);
    }

    [Fact]
    public void An_out_of_window_DMA_freezes_only_its_PE_while_the_sibling_PE_keeps_working()
    {
        var rig = new PowerRig();
        var ta = new TceTableBuilder(rig.Memory, 0x100_0000, 1, 0x1000, 0x1000).Map(0, 0x60_0000);
        var tb = new TceTableBuilder(rig.Memory, 0x110_0000, 1, 0x1000, 0x1000).Map(0, 0x70_0000);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, ta));
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeB, 0, tb));
        // 512 TCEs of 4K: a 2 MiB window; 2 MiB is the first address outside it.
        var o = rig.Write(PowerRig.DevA, 0x20_0000, 1);
        Assert.Equal(DmaResultKind.Frozen, o.Kind);
        Assert.Equal(PowerRig.PeA, o.Pe);
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeB));
        Assert.True(rig.Write(PowerRig.DevB, 0x10, 0xabcd).IsOk);
        Assert.True(rig.Memory.TryReadLe(0x70_0010, 4, out ulong v));
        Assert.Equal(0xabcdUL, v);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_invalid_TCE_or_indirect_entry_freezes_the_PE(bool breakIndirect)
    {
        var rig = new PowerRig();
        // A valid leaf under a broken indirect entry, or an invalid (R=W=0) leaf under a good one.
        var t = new TceTableBuilder(rig.Memory, 0x100_0000, 2, 0x1000, 0x1000).WriteRaw(0x1000, breakIndirect ? 0x50_0003UL : 0x50_0000UL);
        if (breakIndirect)
        {
            Assert.True(rig.Memory.TryReadBe64(t.Root, out ulong root));
            Assert.True(rig.Memory.TryWriteBe(t.Root, 8, root & ~3UL)); // keep the address, drop R and W
        }
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, t));
        var o = rig.Write(PowerRig.DevA, 0x1000, 1);
        Assert.Equal(DmaResultKind.Frozen, o.Kind);
        Assert.Contains(breakIndirect ? "indirect" : "has no R/W", o.Why, StringComparison.Ordinal);
        Assert.True((rig.Phb.Pest.Record(PowerRig.PeA)!.Value.Pest0 & PeErrorRecord.TcePageFault) != 0);
    }

    [Fact]
    public void A_TCE_table_outside_memory_freezes_the_PE_instead_of_throwing()
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.MapPeDmaWindow(0, PowerRig.PeA, PowerRig.PeA * 2, 3, 0xdead_0000_0000, 0x1000, 0x1000));
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevA, 0x1000, 1).Kind);
    }

    [Fact]
    public void A_changed_TCE_stays_stale_in_the_cache_until_a_kill_of_the_right_scope()
    {
        var rig = new PowerRig();
        var t = new TceTableBuilder(rig.Memory, 0x100_0000, 2, 0x1000, 0x1000).Map(0x7000, 0x80_0000);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, t));
        Assert.Equal(0x80_0000UL, rig.Write(PowerRig.DevA, 0x7000, 1).Address); // cached now

        t.Map(0x7000, 0x90_0000);
        Assert.Equal(0x80_0000UL, rig.Write(PowerRig.DevA, 0x7000, 1).Address);
        // A kill of another PE leaves this PE's entry in place.
        Assert.Equal(OpalRc.Success, rig.Opal.TceKill(0, (uint)OpalTceKillType.Pe, PowerRig.PeB, 0, 0, 0));
        Assert.Equal(0x80_0000UL, rig.Write(PowerRig.DevA, 0x7000, 1).Address);
        // PHB4 turns a page kill into a PE kill (HW560152), whatever page it names.
        Assert.Equal(OpalRc.Success, rig.Opal.TceKill(0, (uint)OpalTceKillType.Pages, PowerRig.PeA, 0x1000, 0x123_4000, 1));
        Assert.Equal(0x90_0000UL, rig.Write(PowerRig.DevA, 0x7000, 1).Address);

        // Unmapping (TCE = 0) is also invisible until a kill: ALL this time.
        t.WriteRaw(0x7000, 0);
        Assert.True(rig.Write(PowerRig.DevA, 0x7000, 1).IsOk);
        Assert.Equal(OpalRc.Success, rig.Opal.TceKill(0, (uint)OpalTceKillType.All, 0, 0, 0, 0));
        Assert.Equal(DmaResultKind.Frozen, rig.Write(PowerRig.DevA, 0x7000, 1).Kind);
    }

    [Fact]
    public void The_PHB_TCE_KILL_register_kills_a_PE_as_the_OPAL_call_does()
    {
        var rig = new PowerRig();
        var t = new TceTableBuilder(rig.Memory, 0x100_0000, 1, 0x1000, 0x1000).Map(0, 0x80_0000);
        Assert.Equal(OpalRc.Success, rig.MapWindow(PowerRig.PeA, 0, t));
        Assert.True(rig.Write(PowerRig.DevA, 0, 1).IsOk);
        t.Map(0, 0x90_0000);
        // PHB_TCE_KILL (0x210): KILL_PE is IBM bit 1, PENUM bits 55:63.
        rig.Machine.CpuWrite(0x6030_0000_0000 + 0x210, 8, (1UL << 62) | PowerRig.PeA);
        Assert.Equal(0x90_0000UL, rig.Write(PowerRig.DevA, 0, 1).Address);
    }

    [Fact]
    public void DMA_before_any_window_is_mapped_freezes_the_PE()
    {
        var rig = new PowerRig();
        var o = rig.Write(PowerRig.DevB, 0x1000, 1);
        Assert.Equal(DmaResultKind.Frozen, o.Kind);
        Assert.Equal(PowerRig.PeB, o.Pe);
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
    }
}
