using Conformance.Adapters;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

/// <summary>Checks of spec/power.md: PE state observed through OPAL_PCI_EEH_FREEZE_STATUS, bytes and DMA outcomes.</summary>
internal static class PowerChecks
{
    /// <summary>The PE's freeze state as firmware reports it (the group's id is its PE number on power-phb).</summary>
    private static OpalFreezeState Freeze(CheckContext ctx, World world, int pe)
    {
        if (world.Scenario.Firmware is not OpalPci opal) { ctx.NotSupported("the platform has no OPAL firmware to observe PE state"); return default; }
        var (rc, state, _) = opal.EehFreezeStatus(0, (ulong)pe);
        ctx.Ensure(rc == OpalRc.Success, $"OPAL_PCI_EEH_FREEZE_STATUS({pe}) answered {rc}");
        return state;
    }

    /// <summary>Every PE's freeze state, by group.</summary>
    private static Dictionary<int, OpalFreezeState> AllStates(CheckContext ctx, World world) =>
        world.Scenario.Facts.Groups.ToDictionary(g => g.Id, g => Freeze(ctx, world, g.Id));

    private static void OnlyChanged(CheckContext ctx, World world, Dictionary<int, OpalFreezeState> before, int culprit, string what)
    {
        foreach (var (pe, s) in AllStates(ctx, world))
            if (pe != culprit) ctx.Ensure(s == before[pe], $"{what} changed PE {pe} from {before[pe]} to {s}");
    }

    [Check("PWR-001")]
    internal static async Task A_stray_MMIO_or_a_bad_DMA_freezes_exactly_the_culprits_PE(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        int sub = world.GroupOf(SubPage), solo = world.GroupOf(Solo), theirs = world.GroupOf(PairA);
        await world.AttachAsync(a, sub);
        await world.AttachAsync(a, solo);
        await world.AttachAsync(b, theirs);
        var (bGpa, bBus) = await world.MappedBufferAsync(b, PairA, new byte[256]);

        // 1. A DMA outside every window.
        var before = AllStates(ctx, world);
        ulong stray = (a.Guest.Windowed?.Windows ?? []).Select(w => w.Start + w.Size).DefaultIfEmpty(0x7f_0000_0000UL).Max() + 0x1000;
        var w = Probe.Write(ctx, a.Device(Solo), stray, random.Bytes(64));
        ctx.Ensure(w.Kind == DmaResultKind.Frozen, $"a DMA outside every window did not freeze {Solo}'s PE ({Probe.Describe(w)})");
        ctx.Ensure(Freeze(ctx, world, solo) == OpalFreezeState.MmioDmaFreeze, $"PE {solo} reports {Freeze(ctx, world, solo)} after the bad DMA");
        OnlyChanged(ctx, world, before, solo, "a bad DMA of PE " + solo);

        // 2. A load in A's sub-page BAR's page, past the BAR: inside the PE's segment, no BAR claims it.
        before = AllStates(ctx, world);
        var areas = ctx.Ok(await a.Guest.MapBarAsync(SubPage, 4, InterruptChecks.GuestBarBase, ctx.Cancellation), $"mapping {SubPage} BAR4");
        if (areas.Count == 0) ctx.NotSupported("the adapter traps the sub-page BAR; no stray MMIO reaches the segment");
        var r = a.MmioRead(InterruptChecks.GuestBarBase + 0x800, 4);
        ctx.Step($"A loads 4 bytes at its BAR page + 0x800 (past the 256-byte BAR): {r}");
        ctx.Ensure(r.IsOk && r.Value == 0xffff_ffffUL, $"a stray load past the BAR read {r} instead of all-ones");
        ctx.Ensure(Freeze(ctx, world, sub) != OpalFreezeState.NotFrozen, $"a stray load in PE {sub}'s segment did not freeze it");
        OnlyChanged(ctx, world, before, sub, "a stray load of PE " + sub);

        // 3. The other owner keeps working.
        var pattern = random.Bytes(256);
        var ok = Probe.Write(ctx, b.Device(PairA), bBus, pattern);
        ctx.Ensure(ok.IsOk && b.Read(bGpa, 256)!.AsSpan().SequenceEqual(pattern), $"B's device stopped working after A's PEs froze ({Probe.Describe(ok)})");
    }

    [Check("PWR-002")]
    internal static async Task A_frozen_PE_reads_all_ones_and_its_DMA_reaches_nothing(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        int solo = world.GroupOf(Solo);
        await world.AttachAsync(a, solo);
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes(256));
        var areas = ctx.Ok(await a.Guest.MapBarAsync(Solo, 2, InterruptChecks.GuestBarBase, ctx.Cancellation), $"mapping {Solo} BAR2");
        ctx.Ensure(areas.Count > 0, "BAR2 (a whole-page BAR) was not mapped directly");
        ctx.Ok(a.MmioWrite(InterruptChecks.GuestBarBase + 0x20, 4, 0x1234_5678), "a store to BAR2");
        ctx.Ensure(a.MmioRead(InterruptChecks.GuestBarBase + 0x20, 4) is { IsOk: true, Value: 0x1234_5678 }, "BAR2 does not read back what was stored before the freeze");

        var w = Probe.Write(ctx, a.Device(Solo), (a.Guest.Windowed?.Windows ?? []).Select(x => x.Start + x.Size).DefaultIfEmpty(0x7f_0000_0000UL).Max() + 0x1000, random.Bytes(64));
        ctx.Ensure(w.Kind == DmaResultKind.Frozen && Freeze(ctx, world, solo) != OpalFreezeState.NotFrozen, $"the bad DMA did not freeze PE {solo} ({Probe.Describe(w)})");

        var r = a.MmioRead(InterruptChecks.GuestBarBase + 0x20, 4);
        ctx.Ensure(r is { IsOk: true, Value: 0xffff_ffffUL }, $"a load from the frozen PE's BAR read {r}, not all-ones");
        var before = a.Read(gpa, 256)!;
        var d = Probe.Write(ctx, a.Device(Solo), bus, random.Bytes(256));
        ctx.Ensure(!d.IsOk && a.Read(gpa, 256)!.AsSpan().SequenceEqual(before), $"the frozen PE's DMA to its mapped buffer was not stopped ({Probe.Describe(d)})");
        var (rd, _) = Probe.Read(ctx, a.Device(Solo), bus, 256);
        ctx.Ensure(!rd.IsOk, $"the frozen PE's DMA read of its mapped buffer was not stopped ({Probe.Describe(rd)})");
    }

    [Check("PWR-003")]
    internal static async Task Recovering_one_PE_leaves_another_frozen_PE_frozen(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        int mine = world.GroupOf(Solo), theirs = world.GroupOf(PairA);
        await world.AttachAsync(a, mine);
        await world.AttachAsync(b, theirs);
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes(256));
        foreach (var (g, fn, pe) in new[] { (a, Solo, mine), (b, PairA, theirs) })
        {
            ulong stray = (g.Guest.Windowed?.Windows ?? []).Select(x => x.Start + x.Size).DefaultIfEmpty(0x7f_0000_0000UL).Max() + 0x1000;
            var w = Probe.Write(ctx, g.Device(fn), stray, random.Bytes(64));
            ctx.Ensure(w.Kind == DmaResultKind.Frozen, $"a stray DMA of {fn} did not freeze PE {pe} ({Probe.Describe(w)})");
        }
        var theirsBefore = Freeze(ctx, world, theirs);
        var others = AllStates(ctx, world);
        var recovery = a.Guest.Recovery!;
        ctx.Ok(recovery.Unfreeze(mine, dma: false), "UNFREEZE_IO");
        ctx.Ok(recovery.Unfreeze(mine, dma: true), "UNFREEZE_DMA");
        ctx.Ok(await recovery.ResetAsync(mine, fundamental: false, ctx.Cancellation), "RESET_HOT");
        ctx.Ok(recovery.Configure(mine), "CONFIGURE");
        ctx.Ensure(Freeze(ctx, world, mine) == OpalFreezeState.NotFrozen, $"after recovery PE {mine} is {Freeze(ctx, world, mine)}");
        ctx.Ensure(ctx.Ok(recovery.GetState(mine), "GET_STATE") == PeState.Normal, "after recovery the PE does not report Normal");
        ctx.Ensure(Freeze(ctx, world, theirs) == theirsBefore, $"A's recovery changed B's frozen PE {theirs} from {theirsBefore} to {Freeze(ctx, world, theirs)}");
        OnlyChanged(ctx, world, others, mine, $"A's recovery of PE {mine}");
        var pattern = random.Bytes(256);
        var again = Probe.Write(ctx, a.Device(Solo), bus, pattern);
        ctx.Ensure(again.IsOk && a.Read(gpa, 256)!.AsSpan().SequenceEqual(pattern), $"after recovery, DMA to the mapped buffer fails ({Probe.Describe(again)})");
    }

    [Check("PWR-004")]
    internal static async Task TCE_calls_of_one_guest_at_every_bus_address_change_only_its_own_windows(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var (aGpa, aBus) = await world.MappedBufferAsync(a, Solo, random.Bytes(4096));
        var bt = b.Guest.Windowed!;
        ulong bGpa = b.AllocateBuffer(4096);
        b.Write(bGpa, random.Bytes(4096));
        ulong page = bt.PageSizes[0];
        // B writes TCEs at A's mapped bus address, the page after it and a page A never mapped, all pointing at B's buffer.
        var targets = new[] { aBus, aBus + page, aBus + 64 * page };
        foreach (var t in targets)
        {
            var r = bt.PutTce(t, bGpa | 3);
            ctx.Step($"B: H_PUT_TCE at 0x{t:x} -> B's guest-physical 0x{bGpa:x}: {r}");
        }
        var watch = world.Watch();
        var pattern = random.Bytes(4096);
        var w = Probe.Write(ctx, a.Device(Solo), aBus, pattern);
        ctx.Ensure(w.IsOk && a.Read(aGpa, 4096)!.AsSpan().SequenceEqual(pattern), $"after B's TCE calls, A's device no longer reaches A's buffer at 0x{aBus:x} ({Probe.Describe(w)})");
        var bBefore = b.Read(bGpa, 4096)!;
        foreach (var t in targets.Skip(1))
        {
            var x = Probe.Write(ctx, a.Device(Solo), t, random.Bytes(4096));
            ctx.Ensure(!x.IsOk, $"A's device reached memory at 0x{t:x}, which A never mapped, after B's TCE call there ({Probe.Describe(x)})");
            await world.RecoverIfFrozenAsync(a, world.GroupOf(Solo));
        }
        ctx.Ensure(b.Read(bGpa, 4096)!.AsSpan().SequenceEqual(bBefore), "A's device changed B's memory through a TCE B wrote");
        ctx.NoViolations(watch, "A's DMA after B's TCE calls", a);
    }

    [Check("PWR-005")]
    internal static async Task Bad_TCE_call_arguments_are_refused_and_change_nothing(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var t = a.Guest.Windowed!;
        var win = t.Windows[0];
        ulong page = 1UL << win.PageShift;
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes((int)page));
        ulong last = win.Start + win.Size - page;
        ulong other = a.AllocateBuffer(page);
        var snapshot = new[] { bus, bus + page, last }.ToDictionary(x => x, x => ctx.Ok(t.GetTce(x), $"H_GET_TCE 0x{x:x}"));
        ulong beyond = a.Guest.Config.MemorySize + 16 * page;
        var cases = new (string What, Func<Result> Call, AdapterErrorKind[] Kinds)[]
        {
            ("H_PUT_TCE at a misaligned ioba", () => t.PutTce(bus + 8, other | 3), [AdapterErrorKind.Invalid]),
            ("H_PUT_TCE past the window", () => t.PutTce(win.Start + win.Size, other | 3), [AdapterErrorKind.NoWindow, AdapterErrorKind.Invalid]),
            ("H_PUT_TCE with reserved TCE bits", () => t.PutTce(bus, other | 3 | 0x100), [AdapterErrorKind.Invalid]),
            ("H_PUT_TCE naming unregistered memory", () => t.PutTce(bus, beyond | 3), [AdapterErrorKind.Invalid]),
            ("H_STUFF_TCE running past the window", () => t.StuffTce(last, 0, 2), [AdapterErrorKind.Invalid]),
            ("H_STUFF_TCE with a count that wraps", () => t.StuffTce(bus, 0, ulong.MaxValue), [AdapterErrorKind.Invalid]),
        };
        foreach (var (what, call, kinds) in cases)
        {
            ctx.Step(what);
            var r = call();
            ctx.Ensure(!r.IsOk && kinds.Contains(r.Error.Kind), $"{what} answered {r}, expected {string.Join(" or ", kinds)} (H_PARAMETER)");
            foreach (var (x, v) in snapshot)
                ctx.Ensure(ctx.Ok(t.GetTce(x), $"H_GET_TCE 0x{x:x}") == v, $"{what} changed the TCE at 0x{x:x}");
        }
        var pattern = random.Bytes((int)page);
        var w = Probe.Write(ctx, a.Device(Solo), bus, pattern);
        ctx.Ensure(w.IsOk && a.Read(gpa, (int)page)!.AsSpan().SequenceEqual(pattern), $"after the refused calls, DMA to the mapped page fails ({Probe.Describe(w)})");
        var s = Probe.Write(ctx, a.Device(Solo), last, random.Bytes(64));
        ctx.Ensure(!s.IsOk, $"after the refused calls, the window's last page (never mapped) is reachable ({Probe.Describe(s)})");
    }
}
