using Conformance.Adapters;
using Conformance.Reference.IntelVtd;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

/// <summary>Checks of spec/intel-vtd.md. They run on the VT-d model, whose caches stay stale until invalidated.</summary>
internal static class VtdChecks
{
    private static VtdUnit Unit(World world, Bdf device) =>
        (world.Scenario.Machine.Bridge as VtdBridge)?.UnitFor(device) ?? throw new InvalidOperationException("the machine has no VT-d unit for " + device);

    /// <summary>The context entry (§9.3) the unit's root table (RTADDR) selects for <paramref name="device"/>, or null if not present.</summary>
    private static (ulong Lo, ulong Hi)? ContextEntry(World world, Bdf device)
    {
        var mem = world.Scenario.Memory;
        ulong rtaddr = Unit(world, device).Read(VtdRegisterOffsets.RootTableAddress, 8) & ~0xfffUL;
        if (!mem.TryReadLe64(rtaddr + device.Bus * 16UL, out ulong root) || (root & 1) == 0) return null;
        ulong entry = (root & 0x000f_ffff_ffff_f000UL) + device.DevFn * 16UL;
        if (!mem.TryReadLe64(entry, out ulong lo) || !mem.TryReadLe64(entry + 8, out ulong hi) || (lo & 1) == 0) return null;
        return (lo, hi);
    }

    [Check("VTD-001")]
    internal static async Task DMA_that_warmed_the_IOTLB_is_blocked_after_unmap_and_after_detach(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var fs = a.Guest.FullSpace;
        if (fs is null) ctx.NotSupported("the adapter offers no full-space host face");
        var device = a.Device(Solo);
        int pages = random.Int(1, 4);
        ulong length = (ulong)pages * 4096;
        ulong gpa = a.AllocateBuffer(length);
        ulong iova = FullSpace.FreeIova(ctx, fs, length, a.Guest.Config.MemorySize, random);
        ctx.Ok(await fs.MapAsync(iova, gpa, length, DmaAccess.ReadWrite, ctx.Cancellation), $"mapping IOVA 0x{iova:x}");
        ctx.Step($"host face mapped IOVA 0x{iova:x}+0x{length:x} to A's guest-physical 0x{gpa:x}");
        for (int p = 0; p < pages; p++)
        {
            var (r, _) = Probe.Read(ctx, device, iova + (ulong)p * 4096, 8);
            ctx.Ensure(r.IsOk, $"{Solo}'s DMA read of mapped IOVA 0x{iova + (ulong)p * 4096:x} was stopped: {Probe.Describe(r)}");
        }
        ctx.Ensure(Unit(world, Solo).Iotlb.Count > 0, "the VT-d model cached no translation for the mapped pages; the check cannot judge staleness");
        ctx.Step($"{Solo} read every mapped page (the IOTLB holds their translations)");
        var unmapped = await fs.UnmapAsync(iova, length, ctx.Cancellation);
        ctx.Ok(unmapped.AsResult(), $"unmapping IOVA 0x{iova:x}");
        ctx.Step($"host face unmapped IOVA 0x{iova:x}+0x{length:x}");
        var watch = world.Watch();
        for (int p = 0; p < pages; p++)
        {
            ulong at = iova + (ulong)p * 4096;
            var w = Probe.Write(ctx, device, at, random.Bytes(64));
            ctx.Ensure(!w.IsOk, $"{Solo}'s DMA write at IOVA 0x{at:x} succeeded after the unmap returned: a stale IOTLB entry outlived the unmap");
        }
        ctx.NoViolations(watch, "DMA at just-unmapped IOVAs");

        // Detach: the context entry goes, and the context cache (and the domain's IOTLB) must follow.
        ulong own = a.AllocateBuffer(4096);
        var (warm, _) = Probe.Read(ctx, device, own, 8);
        ctx.Ensure(warm.IsOk, $"{Solo}'s DMA read of its owner's memory at 0x{own:x} was stopped: {Probe.Describe(warm)}");
        ctx.Ok(await a.Guest.DetachGroupAsync(world.GroupOf(Solo), ctx.Cancellation), "detaching Solo's group");
        ctx.Step($"A detached group {world.GroupOf(Solo)}");
        var after = Probe.Write(ctx, device, own, random.Bytes(64));
        ctx.Ensure(!after.IsOk, $"{Solo}'s DMA write at 0x{own:x} succeeded after its group was detached: a stale context-cache or IOTLB entry outlived the detach");
    }

    [Check("VTD-002")]
    internal static async Task A_translation_cached_for_one_owner_never_serves_another(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var (_, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes(4096));
        var (r, _) = Probe.Read(ctx, a.Device(Solo), bus, 64);
        ctx.Ensure(r.IsOk, $"{Solo}'s DMA read at bus 0x{bus:x} was stopped: {Probe.Describe(r)}");
        ctx.Step($"{Solo} (A) read bus 0x{bus:x}: its translation is in the IOTLB");
        var watch = world.Watch();
        Probe.Write(ctx, b.Device(PairA), bus, random.Bytes(64));
        Probe.Read(ctx, b.Device(PairA), bus, 64);
        ctx.Step($"{PairA} (B) wrote and read the same bus address 0x{bus:x}");
        if (ContextEntry(world, Solo) is not { } ca || ContextEntry(world, PairA) is not { } cb)
        {
            ctx.Fail($"a context entry of an attached function ({Solo} or {PairA}) is not present");
            return;
        }
        int didA = (int)((ca.Hi >> 8) & 0xffff), didB = (int)((cb.Hi >> 8) & 0xffff);
        ctx.NoViolations(watch, $"{PairA} (B, DID {didB}) DMA at the bus address {Solo} (A, DID {didA}) had cached", b);
        ctx.Ensure((ca.Lo & ~0xfffUL) == (cb.Lo & ~0xfffUL) || didA != didB,
            $"A's and B's context entries point at different second-level tables but share DID {didA}");
    }

    [Check("VTD-003")]
    internal static async Task Another_function_sending_a_routed_message_is_blocked(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var device = a.Device(Solo);
        var entries = random.Shuffle(Enumerable.Range(0, device.Msix!.Vectors)).Take(3).ToList();
        foreach (int e in entries) await world.RouteAsync(a, Solo, e, random.Int(0x30, 0xef));
        var watch = world.Watch();
        ulong irta = Unit(world, Solo).Read(VtdRegisterOffsets.InterruptRemappingTableAddress, 8) & ~0xfffUL;
        foreach (int e in entries)
        {
            var (address, data, _) = device.MsixEntry(e);
            var msi = new X86MsiMessage(address, data);
            ctx.Ensure(msi.RemappableFormat, $"{Solo}'s MSI-X entry {e} holds a compatibility-format message 0x{address:x}/0x{data:x}: it bypasses interrupt remapping");
            int handle = (int)(((address >> 5) & 0x7fff) | (((address >> 2) & 1) << 15));
            world.Scenario.Memory.TryReadLe64(irta + (ulong)handle * 16 + 8, out ulong hi);
            int svt = (int)((hi >> 18) & 3), sq = (int)((hi >> 16) & 3);
            ushort sid = (ushort)hi;
            foreach (var spoofer in new[] { PairA, HostHeld })
            {
                long since = Probe.LastSequence(world.Scenario);
                var outcome = world.Scenario.Machine.Msi(spoofer, address, data);
                ctx.Step($"{spoofer} sent {Solo}'s entry-{e} message (IRTE {handle}): {outcome.Kind}");
                ctx.Ensure(Probe.DeliveredSince(world.Scenario, since).Count == 0,
                    $"{spoofer} sent {Solo}'s MSI-X entry {e} message and it was delivered: IRTE {handle} has SVT {svt}, SQ {sq}, SID 0x{sid:x4} (it must verify {Solo}, 0x{Solo.RequesterId:x4})");
            }
            ctx.Ensure(svt == 1 && sq == 0 && sid == Solo.RequesterId,
                $"IRTE {handle} for {Solo} entry {e} has SVT {svt}, SQ {sq}, SID 0x{sid:x4}; it must verify the full requester ID 0x{Solo.RequesterId:x4} (SVT 1, SQ 0)");
        }
        ctx.NoViolations(watch, "other functions sending A's routed messages");
    }

    [Check("VTD-004")]
    internal static async Task Attach_on_a_unit_without_interrupt_remapping_is_refused(CheckContext ctx)
    {
        var scenario = new Scenario(ctx.Seed, new IntelVtdPlatform(interruptRemapping: false));
        await using var world = new World(ctx, scenario, ctx.Factory.Create(scenario.Access));
        ctx.Step($"machine built (seed {ctx.Seed}) with a VT-d unit reporting ECAP.IR = 0; adapter '{ctx.Factory.Name}' created");
        var a = await world.GuestAsync("A");
        var r = await a.Guest.AttachGroupAsync(world.GroupOf(Solo), ctx.Cancellation);
        ctx.Step($"A attaching group {world.GroupOf(Solo)}: {(r.IsOk ? "ok" : r.Error.ToString())}");
        ctx.Refused(r, "attaching a group without interrupt remapping", AdapterErrorKind.Permission);
    }
}
