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

    [Check("GRP-002")]
    internal static async Task Every_function_of_an_attached_group_reaches_the_buffer_and_nothing_else(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(PairA));
        await world.AttachAsync(b, world.GroupOf(Solo));
        await world.MappedBufferAsync(b, Solo, random.Bytes(4096));
        var watch = world.Watch();
        foreach (var fn in new[] { PairA, PairB })
        {
            var pattern = random.Bytes(512);
            var (gpa, bus) = await world.MappedBufferAsync(a, fn, new byte[512]);
            var w = Probe.Write(ctx, a.Device(fn), bus, pattern);
            var seen = a.Read(gpa, pattern.Length);
            ctx.Ensure(w.IsOk && seen is not null && seen.AsSpan().SequenceEqual(pattern),
                $"{fn}, a function of group {world.GroupOf(fn)} that A holds, could not DMA into A's buffer at bus 0x{bus:x} ({Probe.Describe(w)}): the group is not attached whole");
            var leaks = Probe.Attack(ctx, world.Scenario, watch, a, a.Device(fn), random);
            ctx.Ensure(leaks.Count == 0, string.Join("; ", leaks));
            ctx.NoViolations(watch, $"{fn} DMA at other owners' and unmapped addresses", a);
            await world.RecoverIfFrozenAsync(a, world.GroupOf(fn));
        }
    }

    /// <summary>
    /// The seed's case (lines 14-18): two conventional PCI devices behind one PCIe-to-PCI bridge DMA as the bridge's
    /// alias (secondary bus, devfn 0), which is neither device's own requester ID. The platform puts both in one group;
    /// attaching it must program the alias, so each device's DMA reaches the owner's buffer, reaches nothing else,
    /// and stops reaching it once the group is detached. A second owner cannot take the group (it is not split).
    /// </summary>
    [Check("GRP-002")]
    internal static async Task Functions_behind_a_PCIe_to_PCI_bridge_DMA_through_their_alias_into_the_owners_domain_only(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx, salt: 2);
        int g = world.GroupOf(BehindBridgeA);
        ctx.Ensure(world.GroupOf(BehindBridgeB) == g, $"{BehindBridgeA} and {BehindBridgeB} both DMA as {BridgeAlias} but the platform put them in groups {g} and {world.GroupOf(BehindBridgeB)}");
        foreach (var fn in new[] { BehindBridgeA, BehindBridgeB })
            ctx.Ensure(world.Scenario.Facts.DmaAliasesOf(fn).Contains(BridgeAlias), $"the platform facts do not report {BridgeAlias} as a DMA alias of {fn}");
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(b, world.GroupOf(Solo));
        await world.MappedBufferAsync(b, Solo, random.Bytes(4096));
        await world.AttachAsync(a, g);
        var watch = world.Watch();
        var buffers = new List<(Bdf Fn, ulong Gpa, ulong Bus)>();
        foreach (var fn in new[] { BehindBridgeA, BehindBridgeB })
        {
            var pattern = random.Bytes(512);
            var (gpa, bus) = await world.MappedBufferAsync(a, fn, new byte[512]);
            buffers.Add((fn, gpa, bus));
            var w = Probe.Write(ctx, a.Device(fn), bus, pattern);
            var seen = a.Read(gpa, pattern.Length);
            ctx.Ensure(w.IsOk && seen is not null && seen.AsSpan().SequenceEqual(pattern),
                $"{fn} (DMA as {BridgeAlias}) could not DMA into A's buffer at bus 0x{bus:x} ({Probe.Describe(w)}): the alias requester ID is not in A's domain");
            var leaks = Probe.Attack(ctx, world.Scenario, watch, a, a.Device(fn), random);
            ctx.Ensure(leaks.Count == 0, string.Join("; ", leaks));
            ctx.NoViolations(watch, $"{fn} DMA (as {BridgeAlias}) at other owners' and unmapped addresses", a);
            await world.RecoverIfFrozenAsync(a, g);
        }

        ctx.Step($"B attaches group {g}, which A holds");
        ctx.Refused(await b.Guest.AttachGroupAsync(g, ctx.Cancellation), $"a second owner attaching group {g} (behind the bridge)", AdapterErrorKind.Busy);

        ctx.Ok(await a.Guest.DetachGroupAsync(g, ctx.Cancellation), $"A detaching group {g}");
        ctx.Step($"A detached group {g}");
        var after = world.Watch();
        foreach (var (fn, gpa, bus) in buffers)
        {
            var before = a.Read(gpa, 512)!;
            Probe.Write(ctx, world.Scenario.Function(fn), bus, random.Bytes(512));
            ctx.Ensure(a.Read(gpa, 512)!.AsSpan().SequenceEqual(before),
                $"after A detached group {g}, {fn}'s DMA (as {BridgeAlias}) at bus 0x{bus:x} still changed A's buffer: the alias's translation survived the detach");
        }
        ctx.NoViolations(after, $"DMA from the functions behind the bridge after A detached group {g}");
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
