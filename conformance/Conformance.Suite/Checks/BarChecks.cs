using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

internal static class BarChecks
{
    private static async Task<List<(Reference.Pci.Bdf Device, int Bar, ulong Gpa)>> MapAllBarsAsync(CheckContext ctx, GuestHarness g, params Reference.Pci.Bdf[] devices)
    {
        var placed = new List<(Reference.Pci.Bdf, int, ulong)>();
        ulong gpa = InterruptChecks.GuestBarBase;
        foreach (var d in devices)
        {
            foreach (var (spec, _) in g.Device(d).Bars)
            {
                var r = await g.Guest.MapBarAsync(d, spec.Index, gpa, ctx.Cancellation);
                ctx.Ok(r.AsResult(), $"{g.Name} mapping {d} BAR{spec.Index}");
                ctx.Step($"{g.Name} mapped {d} BAR{spec.Index} ({spec.Size} bytes) at guest-physical 0x{gpa:x}: {r.Value.Count} page(s) direct");
                placed.Add((d, spec.Index, gpa));
                gpa += Math.Max(0x1000UL, spec.Size);
                gpa = (gpa + 0xffff) & ~0xffffUL;
            }
        }
        return placed;
    }

    [Check("BAR-001")]
    internal static async Task No_page_of_an_owners_CPU_map_decodes_to_another_device(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(SubPage));
        await world.AttachAsync(a, world.GroupOf(Solo));
        await MapAllBarsAsync(ctx, a, SubPage, Solo);
        var owned = a.Guest.Groups.SelectMany(gr => world.Scenario.Facts.Group(gr)!.Devices).ToHashSet();
        foreach (var e in a.Guest.CpuMap.Entries.Where(e => e.Kind == CpuMapKind.Mmio))
        {
            foreach (var m in world.Scenario.BarMappings.Where(m => m.Base < e.HostPhysical + 0x1000 && e.HostPhysical < m.Base + m.Size))
            {
                var owner = TestFunction.Owner(m.Region);
                ctx.Ensure(owner is { } o && owned.Contains(o.Function.Bdf),
                    $"A's guest-physical page 0x{e.GuestPhysical:x} maps host physical 0x{e.HostPhysical:x}, which also decodes to {m.Name}, a device A does not hold");
            }
        }
        // The guest writes everywhere it can reach in its BAR window; no other device's registers may change.
        var others = world.Scenario.Functions.Where(f => !owned.Contains(f.Bdf)).ToList();
        for (ulong gpa = InterruptChecks.GuestBarBase; gpa < InterruptChecks.GuestBarBase + 0x20_0000; gpa += 0x100)
            a.MmioWrite(gpa, 4, (uint)random.UInt());
        foreach (var f in others)
            foreach (var (spec, _) in f.Bars)
                for (ulong o = 0; o < Math.Min(spec.Size, 0x1000); o += 0x100)
                    ctx.Ensure(f.Register(spec.Index, o) == 0, $"A's stores to its own BARs changed register 0x{o:x} of {f.Bdf} BAR{spec.Index}, a device A does not hold");
    }

    [Check("BAR-002")]
    internal static async Task Without_the_capability_the_MSI_X_table_page_is_never_mapped(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var routed = await world.RouteAsync(a, Solo, 1, 0x61);
        await MapAllBarsAsync(ctx, a, Solo);
        if (ctx.Has(CapabilityNames.MsixTableMappable))
        {
            ctx.Step("the adapter declares msix.table-mappable: mapping the table is allowed; IRQ-002 still binds it");
            return;
        }
        var device = a.Device(Solo);
        var m = device.Msix!;
        var bar = device.Bars.First(b => b.Spec.Index == m.TableBar).Base;
        foreach (var e in a.Guest.CpuMap.Entries.Where(e => e.Kind == CpuMapKind.Mmio))
        {
            bool table = e.HostPhysical < bar + m.TableOffset + (ulong)m.Vectors * 16 && bar + m.TableOffset < e.HostPhysical + 0x1000;
            bool pba = e.HostPhysical < bar + m.PbaOffset + 8 && bar + m.PbaOffset < e.HostPhysical + 0x1000;
            ctx.Ensure(!table && !pba, $"A's guest-physical page 0x{e.GuestPhysical:x} maps the MSI-X {(table ? "table" : "PBA")} page of {Solo} without msix.table-mappable");
        }
        ulong entry1 = InterruptChecks.GuestBarBase + m.TableOffset + 16;
        var before = device.MsixEntry(1);
        a.MmioWrite(entry1, 4, (uint)random.UInt() | 1);
        a.MmioWrite(entry1 + 8, 4, 0xee);
        ctx.Step("A wrote MSI-X entry 1 through its BAR mapping");
        var physical = device.MsixEntry(1);
        ctx.Ensure(physical == before, $"A's write to its MSI-X table reached {Solo}'s physical table (entry 1 is now address 0x{physical.Address:x} data 0x{physical.Data:x})");
        _ = routed;
    }

    [Check("BAR-003")]
    internal static async Task A_page_aligned_sub_page_BAR_is_reached_directly(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(SubPage));
        var r = await a.Guest.MapBarAsync(SubPage, 4, InterruptChecks.GuestBarBase, ctx.Cancellation);
        var areas = ctx.Ok(r, $"mapping {SubPage}'s 256-byte BAR4");
        ctx.Step($"A mapped {SubPage} BAR4: {areas.Count} page(s) direct");
        if (areas.Count == 0) ctx.NotSupported("the adapter traps this sub-page BAR (its page also holds another group's BAR)");
        a.MmioWrite(InterruptChecks.GuestBarBase + 0x10, 4, 0x1234_5678);
        ctx.Ensure(a.Device(SubPage).Register(4, 0x10) == 0x1234_5678, "a store through the directly mapped sub-page BAR did not reach the device's register");
    }
    [Check("BAR-004")]
    internal static async Task With_the_capability_the_guest_reaches_its_MSI_X_table_and_only_its_own_interrupts(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var routed = await world.RouteAsync(a, Solo, 0, 0x61);
        var victim = await world.RouteAsync(b, PairA, 0, 0x71);
        await MapAllBarsAsync(ctx, a, Solo);
        var device = a.Device(Solo);
        var m = device.Msix!;
        var placed = a.Guest.CpuMap.Entries.Where(e => e.Kind == CpuMapKind.Mmio).ToList();
        ulong tableHost = device.Bars.First(x => x.Spec.Index == m.TableBar).Base + m.TableOffset;
        var tablePage = placed.FirstOrDefault(e => e.HostPhysical <= tableHost && tableHost < e.HostPhysical + 0x1000);
        if (tablePage.HostPhysical == 0 && tablePage.GuestPhysical == 0)
            ctx.NotSupported("the adapter declares msix.table-mappable but traps the MSI-X table page of this device");
        ulong tableGuest = tablePage.GuestPhysical + (tableHost - tablePage.HostPhysical);
        ctx.Step($"{Solo}'s MSI-X table is directly mapped at A's guest-physical 0x{tableGuest:x}");

        // The guest rewrites every entry but the routed one, through its own mapping, as a guest driver would.
        var watch = world.Watch();
        for (int entry = 1; entry < m.Vectors; entry++)
        {
            ulong at = tableGuest + (ulong)entry * 16;
            ulong address = random.Bool() ? random.ULong() : (ulong)random.UInt();
            uint data = random.Bool() ? (uint)victim.Vector : random.UInt();
            a.MmioWrite(at, 4, (uint)address);
            a.MmioWrite(at + 4, 4, (uint)(address >> 32));
            a.MmioWrite(at + 8, 4, data);
            a.MmioWrite(at + 12, 4, 0);
            var physical = device.MsixEntry(entry);
            ctx.Ensure(physical.Address == address && physical.Data == data,
                $"A's store to MSI-X entry {entry} through its direct mapping did not reach {Solo}'s table (it holds address 0x{physical.Address:x} data 0x{physical.Data:x})");
            var o = device.RaiseVector(entry);
            ctx.Step($"A wrote entry {entry} = address 0x{address:x} data 0x{data:x}; {Solo} raised it: {o?.Kind.ToString() ?? "pending (masked)"}");
            ctx.NoViolations(watch, $"{Solo} raised MSI-X entry {entry} after A rewrote it", a);
        }

        long since = Probe.LastSequence(world.Scenario);
        device.RaiseVector(0);
        var got = Probe.DeliveredSince(world.Scenario, since);
        ctx.Ensure(got.Count == 1 && got[0].Destination == routed.Vcpu && got[0].Vector == routed.Vector,
            $"the entry the adapter routed (0, to vCPU {routed.Vcpu} vector {routed.Vector}) no longer reaches it after A rewrote the others: delivered {got.Count} interrupt(s)");
    }
}
