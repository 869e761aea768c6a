using Conformance.Adapters;
using Conformance.Suite.Machine;

namespace Conformance.Suite.Checks;

internal static class FullSpace
{
    /// <summary>The common start of a full-space DMA check: guest A owning the single-function group of
    /// <paramref name="device"/>, its full-space DMA model and that model's smallest page size. The caller disposes
    /// the world.</summary>
    public static async Task<(World World, Bogus.Randomizer Random, GuestHarness A, IFullSpaceDma Fs, ulong Page)> SoloGuestAsync(CheckContext ctx, Conformance.Reference.Pci.Bdf device)
    {
        var world = await ctx.StartAsync();
        var random = Probe.Random(ctx);
        var a = await world.GuestAsync("A");
        await world.AttachAsync(a, world.GroupOf(device));
        var fs = a.Guest.FullSpace!;
        return (world, random, a, fs, fs.PageSizes[0]);
    }

    /// <summary>An IOVA for <paramref name="size"/> bytes inside a reported range, above the guest's own memory
    /// (which identity faces map 1:1) and aligned to the largest page size that fits.</summary>
    public static ulong FreeIova(CheckContext ctx, IFullSpaceDma fs, ulong size, ulong guestMemory, Bogus.Randomizer random)
    {
        ulong page = fs.PageSizes[0];
        ulong floor = Math.Max(guestMemory, 0x4000_0000UL);
        foreach (var r in fs.IovaRanges.OrderBy(r => r.Start))
        {
            ulong start = Math.Max(r.Start, floor);
            start = (start + page - 1) & ~(page - 1);
            if (start < r.Start || start > r.End || r.End - start < size - 1) continue;
            ulong slack = (r.End - start - (size - 1)) / page;
            ulong pick = start + (ulong)random.Int(0, (int)Math.Min(slack, 255)) * page;
            return pick;
        }
        ctx.Fail($"no reported IOVA range holds 0x{size:x} bytes above 0x{floor:x}");
        return 0;
    }
}
