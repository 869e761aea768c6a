using Conformance.Adapters;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

internal static class LifecycleChecks
{
    [Check("LIFE-001")]
    internal static async Task Destroy_returns_every_group_page_and_pin(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var pages = world.Scenario.Pages;
        int used = pages.UsedPages, pinned = pages.PinnedPages;
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(a, world.GroupOf(PairA));
        await world.MappedBufferAsync(a, Solo, random.Bytes(8192));
        await world.MappedBufferAsync(a, PairB, random.Bytes(4096));
        await world.RouteAsync(a, Solo, 0, 0x41);
        ctx.Ok((await a.Guest.MapBarAsync(Solo, 2, InterruptChecks.GuestBarBase, ctx.Cancellation)).AsResult(), "mapping a BAR");
        ctx.Ok(await a.Guest.DestroyAsync(ctx.Cancellation), "destroying A");
        ctx.Step("destroyed A");
        ctx.Ensure(pages.UsedPages == used, $"after A was destroyed, {pages.UsedPages - used} page(s) allocated for it are still held: {string.Join(", ", pages.Owners)}");
        ctx.Ensure(pages.PinnedPages == pinned, $"after A was destroyed, {pages.PinnedPages - pinned} page(s) are still pinned");
        ctx.Ensure(a.Guest.CpuMap.Entries.Count == 0, $"after A was destroyed, its CPU map still has {a.Guest.CpuMap.Entries.Count} entries");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(b, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
    }

    [Check("LIFE-002")]
    internal static async Task A_hot_reset_needs_every_affected_group(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        if (world.GroupOf(SharedBus0) == world.GroupOf(SharedBus1))
        {
            // One group spans the bus (a POWER bus PE): no reset of it can reach another owner; the reset must work.
            ctx.Step($"{SharedBus0} and {SharedBus1} are one group on this platform: no second owner on the bus to refuse");
            await world.AttachAsync(a, world.GroupOf(SharedBus0));
            int[] before = [a.Device(SharedBus0).ResetsSincePowerOn, a.Device(SharedBus1).ResetsSincePowerOn];
            ctx.Ok(await a.Guest.HotResetAsync(SharedBus0, ctx.Cancellation), "a hot reset of a bus that holds only the owner's group");
            ctx.Ensure(a.Device(SharedBus0).ResetsSincePowerOn > before[0] && a.Device(SharedBus1).ResetsSincePowerOn > before[1],
                $"the accepted hot reset did not reset both {SharedBus0} and {SharedBus1}");
            var (gpa, bus) = await world.MappedBufferAsync(a, SharedBus0, new byte[64]);
            var pattern = Probe.Random(ctx).Bytes(64);
            var w = Probe.Write(ctx, a.Device(SharedBus0), bus, pattern);
            ctx.Ensure(w.IsOk && a.Read(gpa, 64)!.AsSpan().SequenceEqual(pattern), $"after the hot reset, {SharedBus0}'s DMA to A's buffer fails ({Probe.Describe(w)})");
            return;
        }
        await world.AttachAsync(a, world.GroupOf(SharedBus0));
        await world.AttachAsync(b, world.GroupOf(SharedBus1));
        var target = await world.RouteAsync(b, SharedBus1, 0, 0x52);
        var other = b.Device(SharedBus1);
        int resets = other.ResetsSincePowerOn;
        ctx.Step($"A hot-resets {SharedBus0}, whose bus also holds {SharedBus1} (B's group {world.GroupOf(SharedBus1)})");
        ctx.Refused(await a.Guest.HotResetAsync(SharedBus0, ctx.Cancellation), "a hot reset spanning another owner's group", AdapterErrorKind.Invalid);
        ctx.Ensure(other.ResetsSincePowerOn == resets, $"the refused hot reset still reset {SharedBus1}, which B holds");
        long since = Probe.LastSequence(world.Scenario);
        other.RaiseVector(0);
        var got = Probe.DeliveredSince(world.Scenario, since);
        ctx.Ensure(got.Count == 1 && got[0].Vector == target.Vector, $"after A's refused hot reset, B's {SharedBus1} no longer delivers its routed vector");
        ctx.Ok(await b.Guest.DestroyAsync(ctx.Cancellation), "destroying B");
        await world.AttachAsync(a, world.GroupOf(SharedBus1));
        int mine = a.Device(SharedBus0).ResetsSincePowerOn;
        ctx.Ok(await a.Guest.HotResetAsync(SharedBus0, ctx.Cancellation), "a hot reset with every affected group held");
        ctx.Step($"A hot-reset {SharedBus0} holding both groups");
        ctx.Ensure(a.Device(SharedBus0).ResetsSincePowerOn > mine, $"the accepted hot reset did not reset {SharedBus0}");
    }

    [Check("LIFE-003")]
    internal static async Task Repeated_lifecycles_leave_nothing_behind(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var pages = world.Scenario.Pages;
        int used = pages.UsedPages, pinned = pages.PinnedPages;
        var groups = new[] { Solo, PairA, Mask32, SubPage };
        for (int cycle = 0; cycle < 4; cycle++)
        {
            var g = await world.GuestAsync($"G{cycle}", memory: (ulong)random.Int(64, 256) * 4096);
            foreach (var d in random.Shuffle(groups).Take(random.Int(1, groups.Length)))
            {
                await world.AttachAsync(g, world.GroupOf(d));
                await world.MappedBufferAsync(g, d, random.Bytes(random.Int(1, 8192)));
                if (random.Bool()) await world.RouteAsync(g, d, random.Int(0, 7), random.Int(0x30, 0xef));
                if (random.Bool()) ctx.Ok((await g.Guest.MapBarAsync(d, 0, InterruptChecks.GuestBarBase, ctx.Cancellation)).AsResult(), "mapping BAR0");
                if (random.Bool()) { ctx.Ok(await g.Guest.DetachGroupAsync(world.GroupOf(d), ctx.Cancellation), "detaching"); ctx.Step($"{g.Name} detached group {world.GroupOf(d)}"); }
            }
            ctx.Ok(await g.Guest.DestroyAsync(ctx.Cancellation), $"destroying {g.Name}");
            ctx.Step($"destroyed {g.Name}");
            ctx.Ensure(pages.UsedPages == used && pages.PinnedPages == pinned,
                $"after lifecycle {cycle + 1}, {pages.UsedPages - used} page(s) are still allocated and {pages.PinnedPages - pinned} pinned ({string.Join(", ", pages.Owners)})");
        }
    }

    [Check("ERR-001")]
    internal static async Task A_frozen_PE_recovers_and_no_other_PE_changes(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        int mine = world.GroupOf(Solo), theirs = world.GroupOf(PairA);
        await world.AttachAsync(a, mine);
        await world.AttachAsync(b, theirs);
        var recovery = a.Guest.Recovery!;
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes(256));
        var windows = a.Guest.Windowed?.Windows ?? [];
        ulong stray = windows.Count > 0 ? windows.Max(w => w.Start + w.Size) + 0x1000 : 0x7f_ffff_f000UL;
        var w = Probe.Write(ctx, a.Device(Solo), stray, random.Bytes(64));
        ctx.Ensure(w.Kind == Reference.Platform.DmaResultKind.Frozen, $"a stray DMA outside every window did not freeze {Solo}'s PE ({Probe.Describe(w)})");
        ctx.Ensure(ctx.Ok(recovery.GetState(mine), "GET_STATE") == PeState.Stopped, "the frozen PE does not report STOPPED");
        ctx.Ensure(ctx.Ok(b.Guest.Recovery!.GetState(theirs), "GET_STATE of B's PE") == PeState.Normal, "another owner's PE changed state");
        ctx.Ok(recovery.Unfreeze(mine, dma: false), "UNFREEZE_IO");
        ctx.Ok(await recovery.ResetAsync(mine, fundamental: false, ctx.Cancellation), "RESET_HOT");
        ctx.Ok(recovery.Configure(mine), "CONFIGURE");
        ctx.Ensure(ctx.Ok(recovery.GetState(mine), "GET_STATE") == PeState.Normal, "after recovery the PE is not NORMAL");
        var pattern = random.Bytes(256);
        var again = Probe.Write(ctx, a.Device(Solo), bus, pattern);
        ctx.Ensure(again.IsOk && a.Read(gpa, 256)!.AsSpan().SequenceEqual(pattern), $"after recovery, DMA to the mapped buffer fails ({Probe.Describe(again)})");
    }
}
