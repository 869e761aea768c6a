using Conformance.Adapters;
using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

/// <summary>Checks of spec/amd-vi.md. They run on the AMD-Vi model, whose caches stay stale until invalidated.</summary>
internal static class AmdViChecks
{
    private static AmdViUnit Unit(World world, Bdf device) =>
        (world.Scenario.Machine.Bridge as AmdViBridge)?.UnitFor(device) ?? throw new InvalidOperationException("the machine has no AMD-Vi unit for " + device);

    /// <summary>The requester ID <paramref name="device"/>'s DMA and MSIs carry at the IOMMU (its outermost alias).</summary>
    private static Bdf Wire(World world, Bdf device) => world.Scenario.Facts.Device(device)?.WireRequester ?? device;

    /// <summary>§2.2.2: the DTE the unit's Device Table Base selects for <paramref name="rid"/>, or null when unreadable.</summary>
    private static DeviceTableEntry? Dte(World world, Bdf rid)
    {
        ulong table = Unit(world, rid).Read(AmdViRegisterOffsets.DeviceTableBase, 8) & AmdViRegisterOffsets.AddressMask;
        return DeviceTableEntry.TryRead(world.Scenario.Memory, table + rid.RequesterId * (ulong)DeviceTableEntry.Size, out var e) ? e : null;
    }

    private static string Describe(DeviceTableEntry? e) => e is not { } d ? "unreadable" :
        $"V={(d.Valid ? 1 : 0)} TV={(d.TranslationValid ? 1 : 0)} Mode={d.Mode} root=0x{d.PageTableRoot:x} IR={(d.ReadPermission ? 1 : 0)} IW={(d.WritePermission ? 1 : 0)} DomainID={d.DomainId} " +
        $"IV={(d.InterruptMapValid ? 1 : 0)} IntCtl={d.InterruptControl} IntTabLen={d.InterruptTableLengthField} IntTableRoot=0x{d.InterruptTableRoot:x}";

    [Check("AMDVI-001")]
    internal static async Task DMA_that_warmed_the_IOTLB_is_blocked_after_unmap_and_after_detach(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var fs = a.Guest.FullSpace;
        if (fs is null) ctx.NotSupported("the adapter offers no full-space host face");
        var device = a.Device(Solo);
        var unit = Unit(world, Solo);
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
        ctx.Ensure(unit.Iotlb.Count > 0 && unit.DeviceTableCache.Count > 0, "the AMD-Vi model cached no translation or DTE for the mapped pages; the check cannot judge staleness");
        ctx.Step($"{Solo} read every mapped page (the IOTLB holds {unit.Iotlb.Count} translations)");
        var unmapped = await fs.UnmapAsync(iova, length, ctx.Cancellation);
        ctx.Ok(unmapped.AsResult(), $"unmapping IOVA 0x{iova:x}");
        ctx.Step($"host face unmapped IOVA 0x{iova:x}+0x{length:x}");
        var watch = world.Watch();
        var dte = Dte(world, Wire(world, Solo));
        for (int p = 0; p < pages; p++)
        {
            ulong at = iova + (ulong)p * 4096;
            var w = Probe.Write(ctx, device, at, random.Bytes(64));
            ctx.Ensure(!w.IsOk, $"{Solo}'s DMA write at IOVA 0x{at:x} succeeded after the unmap returned: a stale IOTLB entry (DomainID {dte?.DomainId}) outlived the unmap (no INVALIDATE_IOMMU_PAGES + COMPLETION_WAIT?)");
        }
        ctx.NoViolations(watch, "DMA at just-unmapped IOVAs");

        // Detach: the DTE goes back to blocking, and the DTE cache (and the domain's IOTLB) must follow.
        ulong own = a.AllocateBuffer(4096);
        var (warm, _) = Probe.Read(ctx, device, own, 8);
        ctx.Ensure(warm.IsOk, $"{Solo}'s DMA read of its owner's memory at 0x{own:x} was stopped: {Probe.Describe(warm)}");
        ctx.Ok(await a.Guest.DetachGroupAsync(world.GroupOf(Solo), ctx.Cancellation), "detaching Solo's group");
        ctx.Step($"A detached group {world.GroupOf(Solo)}");
        int events = unit.Events.Count;
        var after = Probe.Write(ctx, device, own, random.Bytes(64));
        var now = Dte(world, Wire(world, Solo));
        ctx.Ensure(!after.IsOk, $"{Solo}'s DMA write at 0x{own:x} succeeded after its group was detached: a stale DTE-cache or IOTLB entry outlived the detach (DTE now {Describe(now)})");
        var logged = unit.Events.Skip(events).ToList();
        ctx.Ensure(logged.Any(e => e.Type == AmdViEventType.IoPageFault && e.DeviceId == Wire(world, Solo).RequesterId),
            $"{Solo}'s blocked DMA after the detach logged no IO_PAGE_FAULT (events: {string.Join(", ", logged.Select(e => e.Name))}; DTE {Describe(now)})");
    }

    [Check("AMDVI-002")]
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
        if (Dte(world, Wire(world, Solo)) is not { TranslationValid: true } da || Dte(world, Wire(world, PairA)) is not { TranslationValid: true } db)
        {
            ctx.Fail($"a DTE of an attached function ({Solo} or {PairA}) does not translate");
            return;
        }
        ctx.NoViolations(watch, $"{PairA} (B, DomainID {db.DomainId}) DMA at the bus address {Solo} (A, DomainID {da.DomainId}) had cached", b);
        ctx.Ensure(da.PageTableRoot == db.PageTableRoot || da.DomainId != db.DomainId,
            $"A's and B's DTEs point at different page tables (0x{da.PageTableRoot:x}, 0x{db.PageTableRoot:x}) but share DomainID {da.DomainId}");
    }

    [Check("AMDVI-003")]
    internal static async Task Another_function_writing_any_message_never_reaches_the_owners_vectors(CheckContext ctx)
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
        await world.RouteAsync(b, PairA, 0, random.Int(0x30, 0xef));
        var mine = Dte(world, Wire(world, Solo));
        ctx.Ensure(mine is { InterruptMapValid: true, InterruptControl: InterruptControl.Remap },
            $"{Solo}'s DTE does not remap its interrupts: {Describe(mine)}");

        // Its own messages reach A.
        foreach (int e in entries)
        {
            var (address, data, _) = device.MsixEntry(e);
            long since = Probe.LastSequence(world.Scenario);
            world.Scenario.Machine.Msi(Solo, address, data);
            ctx.Ensure(Probe.DeliveredSince(world.Scenario, since).Count == 1, $"{Solo}'s own MSI-X entry {e} message 0x{address:x}/0x{data:x} was not delivered");
        }
        var watch = world.Watch();
        foreach (var spoofer in new[] { PairA, HostHeld })
        {
            var theirs = Dte(world, Wire(world, spoofer));
            string tables = $"{Solo}'s DTE {Describe(mine)}; {spoofer}'s DTE {Describe(theirs)}";
            ctx.Ensure(theirs is not { InterruptMapValid: false }, $"{spoofer}'s interrupts pass unremapped (IV = 0): {tables}");
            ctx.Ensure(theirs is not { } t || t.InterruptTableRoot != mine!.Value.InterruptTableRoot || t.InterruptControl != InterruptControl.Remap,
                $"{spoofer} shares {Solo}'s interrupt remapping table: {tables}");
            // A's own messages, then every fixed (data 10:8 = 0) and arbitrated (1) message: every IRTE index up to IntTabLen 9.
            foreach (int e in entries)
            {
                var (address, data, _) = device.MsixEntry(e);
                world.Scenario.Machine.Msi(spoofer, address, data);
            }
            for (uint data = 0; data < 512; data++) world.Scenario.Machine.Msi(spoofer, 0xFEE0_0000, data);
            ctx.Step($"{spoofer} sent {Solo}'s messages and every fixed and arbitrated message (data 0..511: every index a 512-entry table has) to 0xFEE00000");
            ctx.NoViolations(watch, $"{spoofer} writing messages to the interrupt window ({tables})", spoofer == PairA ? b : null);
        }
    }
}
