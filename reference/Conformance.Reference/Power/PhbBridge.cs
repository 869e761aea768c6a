using Conformance.Reference.Platform;

namespace Conformance.Reference.Power;

/// <summary>The POWER IO bridge (platform <c>power-phb</c>): each PCI segment is rooted by one PHB4, which checks every DMA and MSI.</summary>
public sealed class PhbBridge : IIoBridge
{
    private readonly Dictionary<int, Phb4> _bySegment = [];

    public PhbBridge(IEnumerable<Phb4> phbs)
    {
        ArgumentNullException.ThrowIfNull(phbs);
        foreach (var p in phbs) _bySegment.Add(p.Config.Segment, p);
    }

    public string Platform => "power-phb";

    public Phb4? PhbFor(int segment) => _bySegment.GetValueOrDefault(segment);

    public DmaTranslation Translate(in DmaRequest request) =>
        _bySegment.TryGetValue(request.Segment, out var phb)
            ? phb.TranslateDma(request)
            : DmaTranslation.Fault(0, $"no PHB roots PCI segment {request.Segment}");

    public InterruptOutcome Remap(in MsiRequest request) =>
        _bySegment.TryGetValue(request.Segment, out var phb)
            ? phb.ValidateMsi(request)
            : InterruptOutcome.Blocked(0, $"no PHB roots PCI segment {request.Segment}");
}
