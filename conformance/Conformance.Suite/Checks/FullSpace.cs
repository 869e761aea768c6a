using Conformance.Adapters;

namespace Conformance.Suite.Checks;

internal static class FullSpace
{
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
