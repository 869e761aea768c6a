using Conformance.Adapters;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

internal static class NestedChecks
{
    /// <summary>The guest's nested DMA model and a writer for a format it offers (the suite writes <c>amd-v2</c>).</summary>
    private static (INestedDma Nested, AmdV2TableWriter Tables) FirstLevel(CheckContext ctx, GuestHarness guest)
    {
        if (guest.Guest.Nested is not { } nested)
        {
            ctx.NotSupported($"{guest.Name} has no nested DMA model");
            throw new InvalidOperationException("unreachable");
        }
        if (!nested.FirstLevelFormats.Contains(AmdV2TableWriter.Format))
            ctx.NotSupported($"the suite writes no first-level format the adapter offers ({string.Join(", ", nested.FirstLevelFormats)})");
        return (nested, new AmdV2TableWriter(guest));
    }

    private static ulong PageIova(Bogus.Randomizer random) => 0x10_0000_0000UL + (ulong)random.Int(0, 1 << 20) * 0x1000;

    [Check("NEST-001")]
    internal static async Task Whatever_the_guest_writes_in_its_first_level_its_device_reaches_only_its_memory(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var (bGpa, _) = await world.MappedBufferAsync(b, PairA, random.Bytes(8192));
        var (nested, tables) = FirstLevel(ctx, a);
        var device = a.Device(Solo);
        // A working mapping first, so the attack below starts from a first level the IOMMU really uses.
        ulong buffer = a.AllocateBuffer(0x1000);
        ulong iova = PageIova(random);
        tables.Map(iova, buffer);
        ctx.Ok(await nested.SetFirstLevelAsync(Solo, AmdV2TableWriter.Format, tables.Gcr3Table, ctx.Cancellation), "setting A's first level");
        ctx.Step($"A's first level (amd-v2, GCR3 table at guest-physical 0x{tables.Gcr3Table:x}) maps IOVA 0x{iova:x} to 0x{buffer:x}");
        var pattern = random.Bytes(64);
        var ok = Probe.Write(ctx, device, iova, pattern);
        ctx.Ensure(ok.IsOk && a.Read(buffer, 64)!.AsSpan().SequenceEqual(pattern), $"{Solo}'s DMA at IOVA 0x{iova:x} did not reach the buffer its first level maps ({Probe.Describe(ok)})");

        var watch = world.Watch();
        var own = a.RamFrames.ToHashSet();
        var victims = watch.VictimFrames(a);
        ulong mem = a.Guest.Config.MemorySize;
        var leaks = new List<string>();
        for (int round = 0; round < 48; round++)
        {
            ulong target = PageIova(random);
            if (random.Bool()) tables.SetEntry(tables.Gcr3Table, 0, tables.Pml4 | 1); // keep the walk reachable most rounds
            string what;
            switch (random.Int(0, 6))
            {
                case 0 when victims.Count > 0:
                    ulong frame = victims[random.Int(0, victims.Count - 1)];
                    tables.Map(target, frame);
                    what = $"leaf to another owner's or the host's host-physical frame 0x{frame:x}";
                    break;
                case 1:
                    ulong beyond = mem + (ulong)random.Int(0, 4095) * 0x1000;
                    tables.Map(target, beyond);
                    what = $"leaf to guest-physical 0x{beyond:x}, beyond A's RAM";
                    break;
                case 2:
                    tables.Map(target, bGpa);
                    what = $"leaf to B's buffer's guest-physical 0x{bGpa:x} (A's own page there)";
                    break;
                case 3:
                    ulong t = tables.Tables[random.Int(0, tables.Tables.Count - 1)];
                    tables.Map(target, t);
                    what = $"leaf to A's own table page 0x{t:x}";
                    break;
                case 4:
                    tables.SetEntry(tables.Pml4, (int)((target >> 39) & 0x1FF), tables.Pml4 | 7);
                    what = "a PML4 entry pointing back at the PML4 (a loop)";
                    break;
                case 5:
                    ulong junkTable = tables.Tables[random.Int(0, tables.Tables.Count - 1)];
                    ulong junk = random.ULong();
                    tables.SetEntry(junkTable, random.Int(0, 511), junk);
                    what = $"garbage 0x{junk:x16} in table 0x{junkTable:x}";
                    break;
                default:
                    ulong gcr3 = random.Bool() ? random.ULong() | 1 : ((ulong)random.Int(0, 1 << 20) << 12) | 1;
                    tables.SetEntry(tables.Gcr3Table, 0, gcr3);
                    what = $"GCR3 entry 0x{gcr3:x16}";
                    break;
            }
            ctx.Ok(await nested.InvalidateFirstLevelAsync(Solo, 0, 0, ctx.Cancellation), "invalidating A's whole first level");
            foreach (ulong probe in new[] { target, iova, target ^ (1UL << 39) })
            {
                var junkBytes = random.Bytes(64);
                var w = device.DmaWrite(probe, junkBytes);
                var buf = new byte[64];
                var r = device.DmaRead(probe, buf);
                if (w.IsOk || r.IsOk) ctx.Step($"round {round} ({what}): DMA at IOVA 0x{probe:x}: write {Probe.Describe(w)}, read {Probe.Describe(r)}");
                if (r.IsOk && !own.Contains(r.Address & ~0xFFFUL))
                {
                    var actual = new byte[64];
                    if (world.Scenario.Memory.TryRead(r.Address, actual) && actual.AsSpan().SequenceEqual(buf))
                        leaks.Add($"after {what}, {Solo}'s DMA read at IOVA 0x{probe:x} returned bytes of host physical 0x{r.Address:x}, outside A's RAM");
                }
            }
            await world.RecoverIfFrozenAsync(a, world.GroupOf(Solo));
        }
        ctx.Ensure(leaks.Count == 0, string.Join("; ", leaks.Take(4)));
        ctx.NoViolations(watch, $"{Solo}'s DMA through a first level A filled with hostile entries", a);
    }

    [Check("NEST-002")]
    internal static async Task A_first_level_change_serves_DMA_once_its_invalidation_returned(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var (nested, tables) = FirstLevel(ctx, a);
        var device = a.Device(Solo);
        ulong first = a.AllocateBuffer(0x1000), second = a.AllocateBuffer(0x1000);
        ulong iova = PageIova(random);
        tables.Map(iova, first);
        ctx.Ok(await nested.SetFirstLevelAsync(Solo, AmdV2TableWriter.Format, tables.Gcr3Table, ctx.Cancellation), "setting A's first level");
        for (int round = 0; round < 4; round++)
        {
            var p1 = random.Bytes(64);
            var w1 = Probe.Write(ctx, device, iova, p1);
            ctx.Ensure(w1.IsOk && a.Read(first, 64)!.AsSpan().SequenceEqual(p1),
                $"round {round}: {Solo}'s DMA at IOVA 0x{iova:x} did not reach guest-physical 0x{first:x}, where the first level maps it ({Probe.Describe(w1)})");
            // Remap the page (the translation is cached now), invalidate exactly it or everything, then DMA again.
            tables.Map(iova, second);
            ulong size = random.Bool() ? 0UL : 0x1000UL;
            ctx.Ok(await nested.InvalidateFirstLevelAsync(Solo, iova, size, ctx.Cancellation), $"invalidating IOVA 0x{iova:x}+0x{size:x}");
            ctx.Step($"round {round}: IOVA 0x{iova:x} remapped from 0x{first:x} to 0x{second:x}, invalidated (size 0x{size:x})");
            var before = a.Read(first, 64)!;
            var p2 = random.Bytes(64);
            var w2 = Probe.Write(ctx, device, iova, p2);
            ctx.Ensure(a.Read(first, 64)!.AsSpan().SequenceEqual(before), $"round {round}: after the invalidation returned, {Solo}'s DMA at IOVA 0x{iova:x} still wrote the old page 0x{first:x} (stale translation)");
            ctx.Ensure(w2.IsOk && a.Read(second, 64)!.AsSpan().SequenceEqual(p2), $"round {round}: after the invalidation returned, {Solo}'s DMA at IOVA 0x{iova:x} did not reach the new page 0x{second:x} ({Probe.Describe(w2)})");
            // Remove the page: after the invalidation no DMA may reach either page.
            tables.Unmap(iova);
            ctx.Ok(await nested.InvalidateFirstLevelAsync(Solo, iova, 0x1000, ctx.Cancellation), $"invalidating IOVA 0x{iova:x}");
            var s1 = a.Read(first, 64)!;
            var s2 = a.Read(second, 64)!;
            Probe.Write(ctx, device, iova, random.Bytes(64));
            ctx.Ensure(a.Read(first, 64)!.AsSpan().SequenceEqual(s1) && a.Read(second, 64)!.AsSpan().SequenceEqual(s2),
                $"round {round}: after the guest removed IOVA 0x{iova:x} and the invalidation returned, {Solo}'s DMA there still changed memory (stale translation)");
            await world.RecoverIfFrozenAsync(a, world.GroupOf(Solo));
            (first, second) = (second, first);
            iova = PageIova(random);
            tables.Map(iova, first);
            ctx.Ok(await nested.InvalidateFirstLevelAsync(Solo, iova, 0x1000, ctx.Cancellation), $"invalidating new IOVA 0x{iova:x}");
        }
    }

    [Check("NEST-003")]
    internal static async Task Bad_first_level_requests_are_refused_and_change_nothing(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var (aGpa, aBus) = await world.MappedBufferAsync(a, Solo, random.Bytes(4096));
        var (bGpa, bBus) = await world.MappedBufferAsync(b, PairA, random.Bytes(4096));
        var (nested, tables) = FirstLevel(ctx, a);
        ulong mem = a.Guest.Config.MemorySize;
        ctx.Refused(await nested.SetFirstLevelAsync(PairA, AmdV2TableWriter.Format, tables.Gcr3Table, ctx.Cancellation),
            $"A setting a first level on B's {PairA}", AdapterErrorKind.NotFound, AdapterErrorKind.Permission);
        ctx.Refused(await nested.SetFirstLevelAsync(Solo, AmdV2TableWriter.Format, mem + (ulong)random.Int(0, 255) * 0x1000, ctx.Cancellation),
            "a first-level root beyond A's RAM", AdapterErrorKind.Invalid);
        ctx.Refused(await nested.SetFirstLevelAsync(Solo, AmdV2TableWriter.Format, tables.Gcr3Table + (ulong)random.Int(1, 0xFFF), ctx.Cancellation),
            "a first-level root not page aligned", AdapterErrorKind.Invalid);
        ctx.Refused(await nested.SetFirstLevelAsync(Solo, "no-such-format", tables.Gcr3Table, ctx.Cancellation),
            "a first-level format not offered", AdapterErrorKind.NotSupported, AdapterErrorKind.Invalid);
        ctx.Step("every bad SetFirstLevelAsync was refused");
        // Nothing changed: both devices still reach their own buffers at their old bus addresses.
        foreach (var (owner, dev, gpa, bus) in new[] { (a, Solo, aGpa, aBus), (b, PairA, bGpa, bBus) })
        {
            var p = random.Bytes(64);
            var w = Probe.Write(ctx, owner.Device(dev), bus, p);
            ctx.Ensure(w.IsOk && owner.Read(gpa, 64)!.AsSpan().SequenceEqual(p),
                $"after the refused calls, {dev}'s DMA at bus 0x{bus:x} no longer reaches {owner.Name}'s buffer ({Probe.Describe(w)})");
        }
    }
}
