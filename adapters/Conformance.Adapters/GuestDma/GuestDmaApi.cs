using Conformance.Reference.Pci;

namespace Conformance.Adapters.GuestDma;

/// <summary>
/// The suite's guest DMA API (architecture.md "Two faces"): what a guest driver calls to let its device reach a
/// buffer. One implementation per guest face; platform-neutral requirements are written against this.
/// </summary>
public interface IGuestDmaApi
{
    /// <summary>Makes [guestPhysical, +size) reachable by <paramref name="device"/>; returns the bus address to program
    /// into it. NoSpace when the device's DMA mask cannot reach any usable address.</summary>
    ValueTask<Result<ulong>> MapAsync(Bdf device, int dmaMaskBits, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken);

    /// <summary>Undoes a map. On faces that cannot revoke (host-physical, identity) there is nothing to undo.</summary>
    ValueTask<Result> UnmapAsync(Bdf device, ulong busAddress, ulong size, CancellationToken cancellationToken);
}

public static class GuestDmaApi
{
    /// <summary>The guest DMA API over <paramref name="guest"/>'s face.</summary>
    public static IGuestDmaApi For(IGuest guest) => guest.Face switch
    {
        IHostPhysicalFace hp => new HostPhysicalDma(hp),
        IIdentityFace => new IdentityDma(),
        IParavirtTceFace tce => new TceDma(tce.Tce),
        _ => new UnsupportedDma(guest.Face.Kind),
    };

    internal static bool Reaches(int maskBits, ulong bus, ulong size) =>
        maskBits >= 64 || (bus + size - 1 >= bus && (bus + size - 1) >> maskBits == 0);

    private sealed class HostPhysicalDma(IHostPhysicalFace face) : IGuestDmaApi
    {
        public ValueTask<Result<ulong>> MapAsync(Bdf device, int dmaMaskBits, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken)
        {
            if (size == 0) return new(AdapterError.Invalid("size 0"));
            var first = face.HostPhysicalOf(guestPhysical);
            if (!first.IsOk) return new(first.Error);
            // A device needs a bus-contiguous buffer: every page must follow the first in host physical memory.
            for (ulong o = 4096 - (guestPhysical & 4095); o < size; o += 4096)
            {
                var hp = face.HostPhysicalOf(guestPhysical + o);
                if (!hp.IsOk) return new(hp.Error);
                if (hp.Value != first.Value + o) return new(AdapterError.Invalid($"guest-physical 0x{guestPhysical:x}+0x{size:x} is not host-contiguous"));
            }
            if (!Reaches(dmaMaskBits, first.Value, size))
                return new(AdapterError.NoSpace($"host physical 0x{first.Value:x} is beyond the device's {dmaMaskBits}-bit DMA mask"));
            return new(first.Value);
        }

        public ValueTask<Result> UnmapAsync(Bdf device, ulong busAddress, ulong size, CancellationToken cancellationToken) => new(Result.Ok);
    }

    private sealed class IdentityDma : IGuestDmaApi
    {
        public ValueTask<Result<ulong>> MapAsync(Bdf device, int dmaMaskBits, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken) =>
            size == 0 ? new(AdapterError.Invalid("size 0"))
            : Reaches(dmaMaskBits, guestPhysical, size) ? new(guestPhysical)
            : new(AdapterError.NoSpace($"guest-physical 0x{guestPhysical:x} is beyond the device's {dmaMaskBits}-bit DMA mask"));

        public ValueTask<Result> UnmapAsync(Bdf device, ulong busAddress, ulong size, CancellationToken cancellationToken) => new(Result.Ok);
    }

    /// <summary>Allocates IO pages bottom-up in the first window that the device's mask reaches, one TCE per page.</summary>
    private sealed class TceDma(IWindowedDma tce) : IGuestDmaApi
    {
        private readonly HashSet<ulong> _used = [];

        public ValueTask<Result<ulong>> MapAsync(Bdf device, int dmaMaskBits, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken)
        {
            if (size == 0) return new(AdapterError.Invalid("size 0"));
            foreach (var w in tce.Windows)
            {
                ulong page = 1UL << w.PageShift;
                ulong offset = guestPhysical & (page - 1);
                ulong pages = (offset + size + page - 1) / page;
                for (ulong start = w.Start; start + pages * page <= w.Start + w.Size; start += page)
                {
                    if (!Reaches(dmaMaskBits, start, pages * page)) break;
                    bool free = true;
                    for (ulong i = 0; i < pages && free; i++) free = !_used.Contains(start + i * page);
                    if (!free) continue;
                    for (ulong i = 0; i < pages; i++)
                    {
                        ulong tceValue = ((guestPhysical - offset) + i * page) | (access.HasFlag(DmaAccess.Read) ? 1UL : 0) | (access.HasFlag(DmaAccess.Write) ? 2UL : 0);
                        var r = tce.PutTce(start + i * page, tceValue);
                        if (!r.IsOk) return new(r.Error);
                        _used.Add(start + i * page);
                    }
                    return new(start + offset);
                }
            }
            return new(AdapterError.NoSpace("no free IO pages in a window the device can reach"));
        }

        public ValueTask<Result> UnmapAsync(Bdf device, ulong busAddress, ulong size, CancellationToken cancellationToken)
        {
            var w = tce.Windows.FirstOrDefault(w => busAddress >= w.Start && busAddress - w.Start < w.Size);
            if (w.Size == 0) return new(AdapterError.NoWindow($"bus address 0x{busAddress:x} is in no window"));
            ulong page = 1UL << w.PageShift;
            for (ulong a = busAddress & ~(page - 1); a < busAddress + size; a += page)
            {
                var r = tce.PutTce(a, 0);
                if (!r.IsOk) return new(r);
                _used.Remove(a);
            }
            return new(Result.Ok);
        }
    }

    private sealed class UnsupportedDma(GuestFaceKind kind) : IGuestDmaApi
    {
        public ValueTask<Result<ulong>> MapAsync(Bdf device, int dmaMaskBits, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken) =>
            new(AdapterError.NotSupported($"the suite's guest DMA API has no implementation over a {kind} face yet"));

        public ValueTask<Result> UnmapAsync(Bdf device, ulong busAddress, ulong size, CancellationToken cancellationToken) =>
            new(AdapterError.NotSupported($"the suite's guest DMA API has no implementation over a {kind} face yet"));
    }
}
