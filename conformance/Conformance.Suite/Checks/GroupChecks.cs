using Conformance.Adapters;
using Conformance.Reference.Pci;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

internal static class GroupChecks
{
    [Check("GRP-001")]
    internal static async Task Non_viable_and_unknown_groups_are_refused(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        int hostHeld = world.GroupOf(HostHeld);
        ctx.Step($"A attaches group {hostHeld}, which a host driver holds");
        ctx.Refused(await a.Guest.AttachGroupAsync(hostHeld, ctx.Cancellation), $"attaching non-viable group {hostHeld}", AdapterErrorKind.Permission);
        ctx.Step("A attaches group 999, which does not exist");
        ctx.Refused(await a.Guest.AttachGroupAsync(999, ctx.Cancellation), "attaching unknown group 999", AdapterErrorKind.NotFound);
        ctx.Step($"B attaches group {hostHeld}");
        ctx.Refused(await b.Guest.AttachGroupAsync(hostHeld, ctx.Cancellation), $"a second owner attaching non-viable group {hostHeld}", AdapterErrorKind.Permission);
        ctx.Ensure(!a.Guest.Groups.Contains(hostHeld) && !b.Guest.Groups.Contains(hostHeld), $"group {hostHeld} is listed as held after a refused attach");
        await world.AttachAsync(a, world.GroupOf(Solo));
    }

    /// <summary>
    /// A holds the multifunction pair's group and the group behind the PCIe-to-PCI bridge. Every function DMAs into A's
    /// buffer and at everything else. The seed's case (lines 14-18): the two conventional PCI devices behind the bridge
    /// DMA as the bridge's alias (secondary bus, devfn 0), nobody's own requester ID, so only an adapter that programs
    /// the platform's DMA aliases lets them reach A's buffer. A second owner cannot take that group, and once A detaches
    /// it their DMA (as the alias) no longer reaches A's buffer.
    /// </summary>
    [Check("GRP-002")]
    internal static async Task Every_function_of_an_attached_group_reaches_the_buffer_and_nothing_else(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        int bridged = world.GroupOf(BehindBridgeA);
        ctx.Ensure(world.GroupOf(BehindBridgeB) == bridged,
            $"{BehindBridgeA} and {BehindBridgeB} both DMA as {BridgeAlias} but the platform put them in groups {bridged} and {world.GroupOf(BehindBridgeB)}");
        foreach (var fn in new[] { BehindBridgeA, BehindBridgeB })
            ctx.Ensure(world.Scenario.Facts.DmaAliasesOf(fn).Contains(BridgeAlias), $"the platform facts do not report {BridgeAlias} as a DMA alias of {fn}");
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(PairA));
        await world.AttachAsync(a, bridged);
        await world.AttachAsync(b, world.GroupOf(Solo));
        await world.MappedBufferAsync(b, Solo, random.Bytes(4096));
        var watch = world.Watch();
        var behind = new List<(Bdf Fn, ulong Gpa, ulong Bus)>();
        foreach (var fn in new[] { PairA, PairB, BehindBridgeA, BehindBridgeB })
        {
            var pattern = random.Bytes(512);
            var (gpa, bus) = await world.MappedBufferAsync(a, fn, new byte[512]);
            if (world.GroupOf(fn) == bridged) behind.Add((fn, gpa, bus));
            string wire = world.GroupOf(fn) == bridged ? $" (DMA as {BridgeAlias}: the alias is not in A's domain)" : "";
            var w = Probe.Write(ctx, a.Device(fn), bus, pattern);
            var seen = a.Read(gpa, pattern.Length);
            ctx.Ensure(w.IsOk && seen is not null && seen.AsSpan().SequenceEqual(pattern),
                $"{fn}, a function of group {world.GroupOf(fn)} that A holds, could not DMA into A's buffer at bus 0x{bus:x} ({Probe.Describe(w)}): the group is not attached whole{wire}");
            var leaks = Probe.Attack(ctx, world.Scenario, watch, a, a.Device(fn), random);
            ctx.Ensure(leaks.Count == 0, string.Join("; ", leaks));
            ctx.NoViolations(watch, $"{fn} DMA at other owners' and unmapped addresses", a);
            await world.RecoverIfFrozenAsync(a, world.GroupOf(fn));
        }

        ctx.Step($"B attaches group {bridged} (behind the bridge), which A holds");
        ctx.Refused(await b.Guest.AttachGroupAsync(bridged, ctx.Cancellation), $"a second owner attaching group {bridged}", AdapterErrorKind.Busy);
        ctx.Ok(await a.Guest.DetachGroupAsync(bridged, ctx.Cancellation), $"A detaching group {bridged}");
        ctx.Step($"A detached group {bridged}");
        var after = world.Watch();
        foreach (var (fn, gpa, bus) in behind)
        {
            var before = a.Read(gpa, 512)!;
            Probe.Write(ctx, world.Scenario.Function(fn), bus, random.Bytes(512));
            ctx.Ensure(a.Read(gpa, 512)!.AsSpan().SequenceEqual(before),
                $"after A detached group {bridged}, {fn}'s DMA (as {BridgeAlias}) at bus 0x{bus:x} still changed A's buffer: the alias's translation survived the detach");
        }
        ctx.NoViolations(after, $"DMA from the functions behind the bridge after A detached group {bridged}");
    }

    [Check("GRP-003")]
    internal static async Task A_second_owner_is_refused_with_Busy_and_the_first_keeps_working(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        int g = world.GroupOf(Solo);
        await world.AttachAsync(a, g);
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, new byte[256]);
        var watch = world.Watch();
        ctx.Step($"B attaches group {g}, which A holds");
        ctx.Refused(await b.Guest.AttachGroupAsync(g, ctx.Cancellation), $"a second owner attaching group {g}", AdapterErrorKind.Busy);
        var pattern = random.Bytes(256);
        var w = Probe.Write(ctx, a.Device(Solo), bus, pattern);
        ctx.Ensure(w.IsOk && a.Read(gpa, 256)!.AsSpan().SequenceEqual(pattern), $"after B's refused attach, {Solo}'s DMA no longer reaches A's buffer ({Probe.Describe(w)})");
        ctx.NoViolations(watch, "B's refused attach and A's DMA", a);

        // Two groups on one bus (06:00.0 and 06:00.1 have ACS): B takes one first, then A the other. A's attach and
        // A's detach must not change what B's function reaches (an adapter that decides members by bus would).
        int mine = world.GroupOf(SharedBus0), theirs = world.GroupOf(SharedBus1);
        if (mine == theirs)
        {
            ctx.Step($"{SharedBus0} and {SharedBus1} are one group on this platform: no second group on the bus to check");
            return;
        }
        await world.AttachAsync(b, theirs);
        var (bGpa, bBus) = await world.MappedBufferAsync(b, SharedBus1, new byte[256]);
        await world.AttachAsync(a, mine);
        var (aGpa, aBus) = await world.MappedBufferAsync(a, SharedBus0, new byte[256]);
        foreach (var phase in new[] { $"A attached group {mine} on the same bus", $"A detached group {mine}" })
        {
            if (phase.StartsWith("A detached", StringComparison.Ordinal))
            {
                ctx.Ok(await a.Guest.DetachGroupAsync(mine, ctx.Cancellation), $"A detaching group {mine}");
                ctx.Step(phase);
            }
            var bPattern = random.Bytes(256);
            var bw = Probe.Write(ctx, b.Device(SharedBus1), bBus, bPattern);
            ctx.Ensure(bw.IsOk && b.Read(bGpa, 256)!.AsSpan().SequenceEqual(bPattern),
                $"after {phase}, {SharedBus1} (B's group {theirs}) no longer reaches B's buffer at bus 0x{bBus:x} ({Probe.Describe(bw)})");
            ctx.Ensure(a.Read(aGpa, 256)!.AsSpan().IndexOfAnyExcept((byte)0) < 0,
                $"after {phase}, {SharedBus1}'s DMA (B's device) changed A's buffer");
        }
        _ = aBus;
    }

    [Check("GRP-004")]
    internal static async Task Devices_of_groups_no_owner_holds_cannot_reach_memory(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(b, world.GroupOf(PairA));
        var device = world.Scenario.Function(Solo);
        var watch = world.Watch();
        ctx.Step($"{Solo} (group {world.GroupOf(Solo)}, held by nobody) DMAs at every owner's and the host's memory");
        Probe.Attack(ctx, world.Scenario, watch, null, device, random);
        ctx.NoViolations(watch, $"DMA from {Solo} before any owner attached its group");

        int g = world.GroupOf(Solo);
        await world.AttachAsync(a, g);
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes(256));
        var first = Probe.Write(ctx, device, bus, random.Bytes(256));
        ctx.Ensure(first.IsOk, $"{Solo}'s DMA to A's mapped buffer failed while A held group {g} ({Probe.Describe(first)})");
        ctx.Ok(await a.Guest.DetachGroupAsync(g, ctx.Cancellation), $"A detaching group {g}");
        ctx.Step($"A detached group {g}");
        var after = world.Watch();
        var before = a.Read(gpa, 256)!;
        Probe.Write(ctx, device, bus, random.Bytes(256));
        Probe.Attack(ctx, world.Scenario, after, null, device, random);
        ctx.Ensure(a.Read(gpa, 256)!.AsSpan().SequenceEqual(before), $"after A detached group {g}, {Solo}'s DMA at bus 0x{bus:x} still changed A's buffer");
        ctx.NoViolations(after, $"DMA from {Solo} after A detached its group");
    }
}
