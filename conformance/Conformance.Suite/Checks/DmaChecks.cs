using Conformance.Adapters;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

internal static class DmaChecks
{
    [Check("DMA-001")]
    internal static async Task A_device_writes_and_reads_exactly_the_mapped_buffer(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        int length = random.Int(1, 3 * 4096);
        int lead = random.Int(0, 64);
        // The buffer sits inside guard bytes in the same pages; only the buffer may change.
        var region = random.Bytes(lead + length + 64);
        ulong start = a.AllocateBuffer((ulong)region.Length);
        ctx.Ensure(a.Write(start, region), "A's CPU cannot write its own memory");
        ulong gpa = start + (ulong)lead;
        ulong bus = ctx.Ok(await a.Dma.MapAsync(Solo, 64, gpa, (ulong)length, DmaAccess.ReadWrite, ctx.Cancellation), "mapping the buffer");
        ctx.Step($"A mapped guest-physical 0x{gpa:x}+0x{length:x} for {Solo} at bus 0x{bus:x}");
        var device = a.Device(Solo);
        var (r, data) = Probe.Read(ctx, device, bus, length);
        ctx.Ensure(r.IsOk, $"{Solo}'s DMA read of the mapped buffer at bus 0x{bus:x} was stopped: {Probe.Describe(r)}");
        ctx.Ensure(data.AsSpan().SequenceEqual(region.AsSpan(lead, length)), $"{Solo}'s DMA read at bus 0x{bus:x} did not return the buffer's bytes");
        var pattern = random.Bytes(length);
        var w = Probe.Write(ctx, device, bus, pattern);
        ctx.Ensure(w.IsOk, $"{Solo}'s DMA write of the mapped buffer at bus 0x{bus:x} was stopped: {Probe.Describe(w)}");
        var after = a.Read(start, region.Length)!;
        ctx.Ensure(after.AsSpan(lead, length).SequenceEqual(pattern), $"{Solo}'s DMA write at bus 0x{bus:x} did not land in the buffer at guest-physical 0x{gpa:x}");
        ctx.Ensure(after.AsSpan(0, lead).SequenceEqual(region.AsSpan(0, lead)) && after.AsSpan(lead + length).SequenceEqual(region.AsSpan(lead + length)),
            "bytes next to the buffer changed");
    }

    [Check("DMA-002")]
    internal static async Task DMA_at_other_owners_the_host_and_unmapped_addresses_is_blocked(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        await world.MappedBufferAsync(a, Solo, random.Bytes(8192));
        await world.MappedBufferAsync(b, PairA, random.Bytes(8192));
        var watch = world.Watch();
        var leaks = Probe.Attack(ctx, world.Scenario, watch, a, a.Device(Solo), random);
        ctx.Ensure(leaks.Count == 0, string.Join("; ", leaks.Take(4)));
        ctx.NoViolations(watch, $"{Solo} DMA at other owners', the host's and unmapped addresses", a);
    }

    [Check("DMA-003")]
    internal static async Task DMA_right_after_unmap_is_blocked(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var device = a.Device(Solo);
        for (int round = 0; round < 3; round++)
        {
            int length = 4096 * random.Int(1, 3);
            ulong gpa = a.AllocateBuffer((ulong)length);
            ctx.Ensure(a.Write(gpa, random.Bytes(length)), "A's CPU cannot write its own memory");
            ulong bus;
            Func<Task> unmap;
            if (a.Guest.FullSpace is { } fs)
            {
                bus = FullSpace.FreeIova(ctx, fs, (ulong)length, a.Guest.Config.MemorySize, random);
                ctx.Ok(await fs.MapAsync(bus, gpa, (ulong)length, DmaAccess.ReadWrite, ctx.Cancellation), $"host-face map of IOVA 0x{bus:x}");
                ctx.Step($"host face mapped IOVA 0x{bus:x}+0x{length:x} to A's guest-physical 0x{gpa:x}");
                unmap = async () =>
                {
                    var r = await fs.UnmapAsync(bus, (ulong)length, ctx.Cancellation);
                    ctx.Ok(r.AsResult(), $"host-face unmap of IOVA 0x{bus:x}");
                    ctx.Ensure(r.Value == (ulong)length, $"host-face unmap of IOVA 0x{bus:x}+0x{length:x} reported {r.Value} bytes unmapped");
                    ctx.Step($"host face unmapped IOVA 0x{bus:x}+0x{length:x}");
                };
            }
            else
            {
                bus = ctx.Ok(await a.Dma.MapAsync(Solo, 64, gpa, (ulong)length, DmaAccess.ReadWrite, ctx.Cancellation), "guest DMA API map");
                ctx.Step($"guest DMA API mapped guest-physical 0x{gpa:x}+0x{length:x} at bus 0x{bus:x}");
                unmap = async () =>
                {
                    ctx.Ok(await a.Dma.UnmapAsync(Solo, bus, (ulong)length, ctx.Cancellation), "guest DMA API unmap");
                    ctx.Step($"guest DMA API unmapped bus 0x{bus:x}+0x{length:x}");
                };
            }
            // Use the translation first, so any cache (IOTLB, TCE cache) holds it.
            var w = Probe.Write(ctx, device, bus, random.Bytes(length));
            ctx.Ensure(w.IsOk, $"DMA to the freshly mapped bus 0x{bus:x} was stopped: {Probe.Describe(w)}");
            await unmap();
            var before = a.Read(gpa, length)!;
            var late = random.Bytes(length);
            Probe.Write(ctx, device, bus, late);
            var (r, data) = Probe.Read(ctx, device, bus, length);
            var after = a.Read(gpa, length)!;
            ctx.Ensure(after.AsSpan().SequenceEqual(before), $"after the unmap returned, {Solo}'s DMA write at bus 0x{bus:x} still changed A's memory at guest-physical 0x{gpa:x} (the translation outlived the unmap)");
            ctx.Ensure(!(r.IsOk && data.AsSpan().SequenceEqual(after)), $"after the unmap returned, {Solo}'s DMA read at bus 0x{bus:x} still returned A's memory (the translation outlived the unmap)");
            await world.RecoverIfFrozenAsync(a, world.GroupOf(Solo));
        }
    }

    [Check("DMA-004")]
    internal static async Task An_overlapping_map_is_refused_with_Exists_and_changes_nothing(CheckContext ctx)
    {
        var (world, random, a, fs, page) = await FullSpace.SoloGuestAsync(ctx, Solo);
        await using var _ = world;
        ulong iova = FullSpace.FreeIova(ctx, fs, 8 * page, a.Guest.Config.MemorySize, random);
        ulong first = a.AllocateBuffer(4 * page), second = a.AllocateBuffer(8 * page);
        var firstData = random.Bytes((int)(4 * page));
        a.Write(first, firstData);
        ctx.Ok(await fs.MapAsync(iova + 2 * page, first, 4 * page, DmaAccess.ReadWrite, ctx.Cancellation), "the first map");
        ctx.Step($"mapped IOVA 0x{iova + 2 * page:x}+0x{4 * page:x}");
        foreach (var (at, size) in new[] { (iova, 3 * page), (iova + 5 * page, 3 * page), (iova + 3 * page, page), (iova, 8 * page), (iova + 2 * page, 4 * page) })
        {
            ctx.Step($"map IOVA 0x{at:x}+0x{size:x} over it");
            ctx.Refused(await fs.MapAsync(at, second, size, DmaAccess.ReadWrite, ctx.Cancellation), $"an overlapping map of IOVA 0x{at:x}+0x{size:x}", AdapterErrorKind.Exists);
        }
        var (r, data) = Probe.Read(ctx, a.Device(Solo), iova + 2 * page, (int)(4 * page));
        ctx.Ensure(r.IsOk && data.AsSpan().SequenceEqual(firstData), "after the refused overlapping maps, the first mapping no longer reads the first buffer");
        foreach (var p in new[] { iova, iova + 7 * page })
        {
            var probe = Probe.Write(ctx, a.Device(Solo), p, random.Bytes(64));
            ctx.Ensure(!probe.IsOk, $"a refused overlapping map left IOVA 0x{p:x} mapped");
        }
    }

    [Check("DMA-005")]
    internal static async Task Bad_sizes_alignment_wraps_and_bisecting_unmaps_are_refused(CheckContext ctx)
    {
        var (world, random, a, fs, page) = await FullSpace.SoloGuestAsync(ctx, Solo);
        await using var _ = world;
        ulong iova = FullSpace.FreeIova(ctx, fs, 4 * page, a.Guest.Config.MemorySize, random);
        ulong gpa = a.AllocateBuffer(4 * page);
        async Task Refuse(ulong at, ulong g, ulong size, string what, params AdapterErrorKind[] kinds)
        {
            ctx.Step($"map IOVA 0x{at:x} guest-physical 0x{g:x} size 0x{size:x} ({what})");
            ctx.Refused(await fs.MapAsync(at, g, size, DmaAccess.ReadWrite, ctx.Cancellation), $"a map with {what}", kinds);
        }
        await Refuse(iova, gpa, 0, "size 0", AdapterErrorKind.Invalid);
        await Refuse(iova + 1, gpa, page, "a misaligned IOVA", AdapterErrorKind.Invalid);
        await Refuse(iova, gpa + 8, page, "a misaligned guest-physical address", AdapterErrorKind.Invalid);
        await Refuse(iova, gpa, page + 512, "a misaligned size", AdapterErrorKind.Invalid);
        await Refuse(ulong.MaxValue - page + 1, gpa, 2 * page, "a wrapping range", AdapterErrorKind.Invalid, AdapterErrorKind.Overflow);
        ctx.Step("map with no access");
        ctx.Refused(await fs.MapAsync(iova, gpa, page, 0, ctx.Cancellation), "a map with neither read nor write", AdapterErrorKind.Invalid);
        for (ulong o = 0; o < 4 * page; o += page)
        {
            var probe = Probe.Write(ctx, a.Device(Solo), iova + o, random.Bytes(16));
            ctx.Ensure(!probe.IsOk, $"a refused map left IOVA 0x{iova + o:x} mapped");
        }
        ctx.Ok(await fs.MapAsync(iova, gpa, 4 * page, DmaAccess.ReadWrite, ctx.Cancellation), "a good map");
        ctx.Step($"mapped IOVA 0x{iova:x}+0x{4 * page:x}");
        foreach (var (at, size) in new[] { (iova, 2 * page), (iova + page, 3 * page), (iova + page, page) })
        {
            ctx.Step($"unmap IOVA 0x{at:x}+0x{size:x}, which splits the mapping");
            var r = await fs.UnmapAsync(at, size, ctx.Cancellation);
            ctx.Refused(r.AsResult(), $"an unmap of IOVA 0x{at:x}+0x{size:x} bisecting the mapping", AdapterErrorKind.Invalid);
        }
        ctx.Step("unmap with size 0 and a misaligned unmap");
        ctx.Refused((await fs.UnmapAsync(iova, 0, ctx.Cancellation)).AsResult(), "an unmap of size 0", AdapterErrorKind.Invalid);
        ctx.Refused((await fs.UnmapAsync(iova + 1, page, ctx.Cancellation)).AsResult(), "a misaligned unmap", AdapterErrorKind.Invalid);
        var w = Probe.Write(ctx, a.Device(Solo), iova + 3 * page, random.Bytes(16));
        ctx.Ensure(w.IsOk, $"after refused unmaps, the mapping at IOVA 0x{iova + 3 * page:x} no longer works ({Probe.Describe(w)})");
    }

    [Check("DMA-006")]
    internal static async Task Maps_and_DMA_outside_the_reported_IOVA_ranges_are_refused_and_blocked(CheckContext ctx)
    {
        var (world, random, a, fs, page) = await FullSpace.SoloGuestAsync(ctx, Solo);
        await using var _ = world;
        var ranges = fs.IovaRanges.OrderBy(r => r.Start).ToList();
        ctx.Ensure(ranges.Count > 0, "the adapter reports no valid IOVA range");
        ctx.Step($"reported IOVA ranges: {string.Join(", ", ranges.Select(r => $"[0x{r.Start:x}, 0x{r.End:x}]"))}");
        var outside = new List<ulong>();
        if (ranges[0].Start >= page) outside.Add(ranges[0].Start - page);
        for (int i = 0; i + 1 < ranges.Count; i++) if (ranges[i + 1].Start - ranges[i].End > page) outside.Add((ranges[i].End + 1 + page - 1) & ~(page - 1));
        if (ranges[^1].End <= ulong.MaxValue - page) outside.Add((ranges[^1].End + 1 + page - 1) & ~(page - 1));
        ulong gpa = a.AllocateBuffer(page);
        foreach (var at in outside)
        {
            ctx.Step($"map IOVA 0x{at:x}, outside every reported range");
            ctx.Refused(await fs.MapAsync(at, gpa, page, DmaAccess.ReadWrite, ctx.Cancellation), $"a map of IOVA 0x{at:x} outside the reported ranges", AdapterErrorKind.Invalid);
            var before = a.Read(gpa, 64)!;
            Probe.Write(ctx, a.Device(Solo), at, random.Bytes(64));
            ctx.Ensure(a.Read(gpa, 64)!.AsSpan().SequenceEqual(before), $"DMA at IOVA 0x{at:x}, outside the reported ranges, reached A's buffer");
        }
        // What is reported must also be usable: the first and last page of each range map, and DMA there lands (pages
        // below the guest's memory size are skipped: an identity face maps guest memory there already).
        ulong floor = a.Guest.Config.MemorySize;
        foreach (var r in ranges.Take(4))
        {
            ulong first = (r.Start + page - 1) & ~(page - 1), last = (r.End + 1 - page) & ~(page - 1);
            if (r.End < first || r.End - first < page - 1) continue;
            foreach (var at in new[] { first, last }.Distinct().Where(x => x >= floor))
            {
                ctx.Step($"map IOVA 0x{at:x}, inside the reported range [0x{r.Start:x}, 0x{r.End:x}]");
                ctx.Ok(await fs.MapAsync(at, gpa, page, DmaAccess.ReadWrite, ctx.Cancellation), $"a map of IOVA 0x{at:x}, inside a reported range");
                var pattern = random.Bytes(64);
                var w = Probe.Write(ctx, a.Device(Solo), at, pattern);
                ctx.Ensure(w.IsOk && a.Read(gpa, 64)!.AsSpan().SequenceEqual(pattern),
                    $"DMA at IOVA 0x{at:x}, mapped inside a reported range, did not reach A's buffer ({Probe.Describe(w)})");
                ctx.Ok(await fs.UnmapAsync(at, page, ctx.Cancellation), $"unmapping IOVA 0x{at:x}");
            }
        }
        var straddle = ranges[^1].End - page + 1;
        if (ranges[^1].End - ranges[^1].Start >= page && ranges[^1].End < ulong.MaxValue - page)
        {
            ctx.Step($"map IOVA 0x{straddle:x}+0x{2 * page:x}, crossing the end of the last range");
            ctx.Refused(await fs.MapAsync(straddle, gpa, 2 * page, DmaAccess.ReadWrite, ctx.Cancellation), "a map crossing the end of the last range", AdapterErrorKind.Invalid);
        }
    }

    [Check("DMA-007")]
    internal static async Task TCE_calls_and_DMA_outside_every_window_are_refused_and_blocked(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        var b = await world.GuestAsync("B");
        await world.AttachAsync(a, world.GroupOf(Solo));
        await world.AttachAsync(b, world.GroupOf(PairA));
        var tce = a.Guest.Windowed!;
        ctx.Ensure(tce.Windows.Count > 0, "the owner has no DMA window");
        var last = tce.Windows.OrderBy(w => w.Start).Last();
        ulong beyond = last.Start + last.Size;
        ctx.Step($"H_PUT_TCE at ioba 0x{beyond:x}, just past the last window");
        ctx.Refused(tce.PutTce(beyond, 0x10_000 | 3), "H_PUT_TCE outside every window", AdapterErrorKind.NoWindow, AdapterErrorKind.Invalid);
        ctx.Refused(tce.GetTce(beyond).AsResult(), "H_GET_TCE outside every window", AdapterErrorKind.NoWindow, AdapterErrorKind.Invalid);
        var watch = world.Watch();
        foreach (var at in new[] { beyond, beyond + (1UL << last.PageShift) * 17, last.Start == 0 ? beyond * 2 : last.Start - 4096 })
            Probe.Write(ctx, a.Device(Solo), at, random.Bytes(64));
        ctx.NoViolations(watch, "DMA outside every window", a);
    }

    [Check("DMA-008")]
    internal static async Task Mapped_memory_survives_host_reclaim(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Solo));
        var (gpa, bus) = await world.MappedBufferAsync(a, Solo, random.Bytes(3 * 4096));
        int moved = world.Scenario.Pages.ReclaimUnpinned(a.RamFrames, world.Scenario.Access.Memory);
        ctx.Step($"the host reclaimed and migrated {moved} unpinned pages of A");
        var fresh = random.Bytes(3 * 4096);
        ctx.Ensure(a.Write(gpa, fresh), "A's CPU cannot write its buffer after reclaim");
        var (r, data) = Probe.Read(ctx, a.Device(Solo), bus, fresh.Length);
        ctx.Ensure(r.IsOk && data.AsSpan().SequenceEqual(fresh), $"after host reclaim, {Solo}'s DMA read at bus 0x{bus:x} no longer returns A's buffer ({Probe.Describe(r)}): the memory was not pinned");
        var pattern = random.Bytes(fresh.Length);
        Probe.Write(ctx, a.Device(Solo), bus, pattern);
        ctx.Ensure(a.Read(gpa, pattern.Length)!.AsSpan().SequenceEqual(pattern), $"after host reclaim, {Solo}'s DMA write at bus 0x{bus:x} no longer lands in A's buffer");
    }

    [Check("DMA-009")]
    internal static async Task A_device_with_a_32_bit_DMA_mask_moves_data_below_4_GiB(CheckContext ctx)
    {
        await using var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(Mask32));
        var device = a.Device(Mask32);
        ctx.Ensure(device.DmaMaskBits == 32, "scenario: the device should have a 32-bit mask");
        for (int i = 0; i < 3; i++)
        {
            var pattern = random.Bytes(random.Int(16, 8192));
            var (gpa, bus) = await world.MappedBufferAsync(a, Mask32, new byte[pattern.Length]);
            ctx.Ensure(bus + (ulong)pattern.Length - 1 < 1UL << 32, $"the guest DMA API gave {Mask32}, which has a 32-bit DMA mask, bus address 0x{bus:x}");
            var w = Probe.Write(ctx, device, bus, pattern);
            ctx.Ensure(w.IsOk && a.Read(gpa, pattern.Length)!.AsSpan().SequenceEqual(pattern), $"{Mask32}'s DMA at bus 0x{bus:x} did not land in A's buffer ({Probe.Describe(w)})");
        }
    }
}
