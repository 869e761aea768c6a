using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;

namespace Conformance.Adapters.Broken.Power;

/// <summary>
/// A tracing wrapper around the contract's H_PUT_TCE records every call and answers success whatever the
/// hypercall said: a TCE outside every window, misaligned, with reserved bits or naming unregistered memory is
/// "done" although nothing was written.
/// </summary>
[BreaksRequirement("PWR-005")]
[ExpectedDiagnostic("DAK005")]
public sealed class SpaprPutTceIgnoresResult : SpaprVariantFactory
{
    protected override SpaprGuest NewGuest(SpaprAdapter host, GuestConfig config) => new Guest(host, config);

    /// <summary>Re-implements <see cref="IWindowedDma"/> so that its <c>PutTce</c> is this one.</summary>
    private sealed class Guest(SpaprAdapter host, GuestConfig config) : SpaprGuest(host, config), IWindowedDma
    {
        private readonly List<(ulong Ioba, ulong Tce)> _trace = [];

        public IReadOnlyList<(ulong Ioba, ulong Tce)> Trace => _trace;

        public new Result PutTce(ulong ioba, ulong tce)
        {
            base.PutTce(ioba, tce);
            _trace.Add((ioba, tce));
            return Result.Ok;
        }
    }
}
