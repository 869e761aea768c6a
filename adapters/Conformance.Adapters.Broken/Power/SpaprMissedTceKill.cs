using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;

namespace Conformance.Adapters.Broken.Power;

/// <summary>
/// The contract's H_PUT_TCE written again with a fast path for the clear (tce = 0): it writes the zero TCE and
/// returns before the OPAL_PCI_TCE_KILL that the map path does. The PHB's TCE cache keeps serving the old
/// translation, so DMA right after the unmap still lands.
/// </summary>
[BreaksRequirement("DMA-003")]
[ExpectedDiagnostic("DAK007")]
public sealed class SpaprMissedTceKill : SpaprVariantFactory
{
    protected override SpaprGuest NewGuest(SpaprAdapter host, GuestConfig config) => new Guest(host, config);

    /// <summary>Re-implements <see cref="IWindowedDma"/> so that its <c>PutTce</c> is this one; the rest is the reference guest's.</summary>
    private sealed class Guest(SpaprAdapter host, GuestConfig config) : SpaprGuest(host, config), IWindowedDma
    {
        public new Result PutTce(ulong ioba, ulong tce)
        {
            var w = TceWindows.FirstOrDefault(x => ioba >= x.Start && ioba - x.Start < x.Size);
            if (w is null) return AdapterError.NoWindow($"0x{ioba:x} is in no window");
            if ((ioba & (w.PageSize - 1)) != 0) return AdapterError.Invalid("H_PUT_TCE: misaligned ioba");
            if ((tce & (w.PageSize - 1) & ~3UL) != 0) return AdapterError.Invalid("H_PUT_TCE: reserved TCE bits");
            ulong index = (ioba - w.Start) >> w.PageShift;
            ulong entry = EntryAddress(w, ioba);
            if ((tce & 3) == 0)
            {
                w.SetGuestTce(index, 0);
                if (!Platform.Memory.TryWriteBe(entry, 8, 0)) return new AdapterError(AdapterErrorKind.Io, "H_PUT_TCE: H_HARDWARE");
                return Result.Ok; // the defect: no kill on the clear
            }
            ulong gpa = tce & ~(w.PageSize - 1);
            if (gpa >= Config.MemorySize || FrameOf(gpa) is not { } frame || !Platform.Pages.IsPinned(frame))
                return AdapterError.Invalid("H_PUT_TCE: not registered guest memory");
            w.SetGuestTce(index, tce);
            if (!Platform.Memory.TryWriteBe(entry, 8, frame | (tce & 3))) return new AdapterError(AdapterErrorKind.Io, "H_PUT_TCE: H_HARDWARE");
            return KillAll() ? Result.Ok : new AdapterError(AdapterErrorKind.Io, "H_PUT_TCE: H_HARDWARE");
        }
    }
}
