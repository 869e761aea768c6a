using Conformance.Adapters;
using Conformance.Reference.Interrupts;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

internal static class InterruptChecks
{
    /// <summary>Where a guest places its devices' BARs in guest-physical space (above its RAM).</summary>
    internal const ulong GuestBarBase = 0x8000_0000;

    [Check("IRQ-001")]
    internal static async Task A_routed_MSI_X_entry_reaches_exactly_its_vector(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var device = a.Device(Solo);
        var routes = new Dictionary<int, GuestVector>();
        foreach (int entry in random.Shuffle(Enumerable.Range(0, device.Msix!.Vectors)).Take(3))
            routes[entry] = await world.RouteAsync(a, Solo, entry, random.Int(0x30, 0xef));
        var watch = world.Watch();
        foreach (var (entry, target) in routes)
        {
            long since = Probe.LastSequence(world.Scenario);
            var outcome = device.RaiseVector(entry);
            ctx.Step($"{Solo} raised MSI-X entry {entry}: {outcome?.Kind.ToString() ?? "pending (masked)"}");
            var got = Probe.DeliveredSince(world.Scenario, since);
            ctx.Ensure(got.Count == 1 && got[0].Destination == target.Vcpu && got[0].Vector == target.Vector,
                $"MSI-X entry {entry} of {Solo}, routed to vCPU {target.Vcpu} vector {target.Vector}, delivered {Describe(got)}");
        }
        ctx.NoViolations(watch, "raising routed entries", a);
    }

    [Check("IRQ-002")]
    internal static async Task Whatever_the_guest_writes_into_its_MSI_X_table_interrupts_reach_only_its_vectors(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        await world.RouteAsync(a, Solo, 0, 0x41);
        var victim = await world.RouteAsync(b, PairA, 0, 0x51);
        var device = a.Device(Solo);
        var msix = device.Msix!;
        var bar = device.Bars.First(x => x.Spec.Index == msix.TableBar);
        ctx.Ok(await a.Guest.MapBarAsync(Solo, msix.TableBar, GuestBarBase, ctx.Cancellation), $"mapping {Solo} BAR{msix.TableBar} into A");
        ctx.Step($"A's BAR{msix.TableBar} of {Solo} is at guest-physical 0x{GuestBarBase:x}");
        var watch = world.Watch();
        uint[] destinations = [victim.Vcpu, .. b.Guest.Config.Vcpus, 0, 200, a.Guest.Config.Vcpus[0]];
        for (int entry = 0; entry < msix.Vectors; entry++)
        {
            uint dest = random.ArrayElement(destinations);
            int vector = random.Bool() ? victim.Vector : random.Int(0x10, 0xfe);
            ulong address = 0xFEE0_0000UL | ((ulong)dest << 12) | (random.Bool() ? 0x10UL : 0);
            ulong at = GuestBarBase + msix.TableOffset + (ulong)entry * 16;
            a.MmioWrite(at, 4, (uint)address);
            a.MmioWrite(at + 4, 4, 0);
            a.MmioWrite(at + 8, 4, (uint)vector);
            a.MmioWrite(at + 12, 4, 0);
            ctx.Step($"A wrote MSI-X entry {entry}: address 0x{address:x} data 0x{vector:x}, unmasked");
        }
        for (int entry = 0; entry < msix.Vectors; entry++)
        {
            var o = device.RaiseVector(entry);
            ctx.Step($"{Solo} raised MSI-X entry {entry}: {o?.Kind.ToString() ?? "pending (masked)"}");
            ctx.NoViolations(watch, $"A rewrote its MSI-X table and {Solo} raised entry {entry}", a);
        }
        _ = bar;
    }

    [Check("IRQ-003")]
    internal static async Task DMA_writes_into_the_interrupt_window_reach_no_other_owner(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        await world.RouteAsync(a, Solo, 0, 0x41);
        var victim = await world.RouteAsync(b, PairA, 0, 0x51);
        var watch = world.Watch();
        var device = a.Device(Solo);
        foreach (uint dest in new uint[] { victim.Vcpu, b.Guest.Config.Vcpus[^1], 0, 99 })
        {
            int vector = dest == victim.Vcpu ? victim.Vector : random.Int(0x20, 0xef);
            ulong address = X86MsiMessage.InterruptWindowBase | ((ulong)dest << 12);
            Probe.Write(ctx, device, address, BitConverter.GetBytes((uint)vector));
            ctx.NoViolations(watch, $"{Solo} DMA-wrote 0x{vector:x} at 0x{address:x}", a);
        }
    }

    private static string Describe(List<DeliveredInterrupt> got) =>
        got.Count == 0 ? "nothing" : string.Join(", ", got.Select(d => $"vector {d.Vector} to CPU {d.Destination}"));
}
