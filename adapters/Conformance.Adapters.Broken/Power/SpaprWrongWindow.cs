using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;

namespace Conformance.Adapters.Broken.Power;

/// <summary>
/// The TCE is written into the table of the first window on the host (lowest LIOBN) that covers the bus address,
/// whichever guest owns it: with two guests' default windows at the same bus range, B's H_PUT_TCE lands in A's table.
/// </summary>
[BreaksRequirement("PWR-004")]
[StaticallyInvisible("The entry address is computed from a window found by a run-time lookup over the host's windows; " +
    "that the window belongs to another guest is a relation between data (the LIOBN's owner) that no rule can evaluate.")]
public sealed class SpaprWrongWindow : SpaprVariantFactory
{
    protected override SpaprGuest NewGuest(SpaprAdapter host, GuestConfig config) => new Guest(host, config);

    private sealed class Guest(SpaprAdapter host, GuestConfig config) : SpaprGuest(host, config)
    {
        private readonly SpaprAdapter _host = host;

        protected override ulong EntryAddress(SpaprWindow w, ulong ioba)
        {
            var first = _host.AllWindows.Values.OrderBy(x => x.Liobn).First(x => ioba >= x.Start && ioba - x.Start < x.Size);
            return first.Table + ((ioba - first.Start) >> first.PageShift) * 8;
        }
    }
}
