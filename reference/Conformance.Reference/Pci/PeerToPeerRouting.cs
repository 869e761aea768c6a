using Conformance.Reference.Topology;

namespace Conformance.Reference.Pci;

public enum PeerRouteKind
{
    /// <summary>The request travels up to the root complex, where the IOMMU/PHB sees it.</summary>
    Upstream,
    /// <summary>The fabric delivers the request to another function's BAR directly; no IOMMU sees it.</summary>
    Peer,
    /// <summary>The address falls inside a switch's range but nothing below claims it: Unsupported Request.</summary>
    Unclaimed,
}

public readonly record struct PeerRoute(PeerRouteKind Kind, PciMemoryTarget Target = default, string? Why = null);

/// <summary>
/// How the PCI fabric routes a device's memory request before it reaches the root complex (PCIe Base 6.x §6.12.1
/// Access Control Services; PCI-to-PCI Bridge Architecture 1.2 §4.3 address decoding):
/// <list type="number">
/// <item>Functions of one multifunction device may reach each other internally unless the issuer's ACS P2P Request
/// Redirect (ctl bit 2) is enabled.</item>
/// <item>On a conventional PCI bus (behind a PCIe-to-PCI or PCI-to-PCI bridge) every function sees every request:
/// another function's BAR on that bus claims it.</item>
/// <item>At a switch downstream port, unless its ACS P2P Request Redirect is enabled, a request whose address falls in
/// a sibling downstream port's window is routed down that port (peer to peer). Inside the switch's range but claimed by
/// no port: Unsupported Request. Otherwise it goes up through the upstream port.</item>
/// <item>A root port, or the root bus, hands the request to the root complex (the IO bridge).</item>
/// </list>
/// Windows, enables, bus numbers and ACS control are read live.
/// </summary>
public static class PeerToPeerRouting
{
    private const ushort AcsRequestRedirect = 0x04; // PCI_ACS_RR

    public static PeerRoute Route(PciSegment segment, PciFunction issuer, ulong address, int length)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(issuer);
        // 1. Inside a multifunction device.
        if (!RedirectsPeerRequests(issuer))
        {
            foreach (var f in segment.Functions)
            {
                if (f != issuer && f.Bdf.Bus == issuer.Bdf.Bus && f.Bdf.Device == issuer.Bdf.Device && Claims(f, address, length, out var t))
                    return new PeerRoute(PeerRouteKind.Peer, t, $"inside multifunction device {issuer.Bdf.Bus:x2}:{issuer.Bdf.Device:x2} (no ACS P2P Request Redirect on {issuer.Bdf})");
            }
        }

        byte bus = issuer.Bdf.Bus;
        bool redirected = false;
        for (int hops = 0; hops < 256; hops++)
        {
            var above = BridgeAbove(segment, bus);
            // 4. The root bus: to the root complex.
            if (above is null) return new PeerRoute(PeerRouteKind.Upstream);
            // 2. A conventional bus: any function on it may claim the request.
            if (!above.Kind.IsPcie() || above.Kind == DeviceKind.PcieToPciBridge)
            {
                foreach (var f in segment.Functions)
                {
                    if (f != issuer && f.Bdf.Bus == bus && Claims(f, address, length, out var t))
                        return new PeerRoute(PeerRouteKind.Peer, t, $"on conventional PCI bus {bus:x2} below {above.Bdf}");
                }
            }
            if (above.Kind == DeviceKind.RootPort) return new PeerRoute(PeerRouteKind.Upstream);
            if (above.Kind == DeviceKind.DownstreamPort && RedirectsPeerRequests(above))
            {
                // ACS P2P Request Redirect: the port sends the request up through the upstream port whatever its address.
                redirected = true;
            }
            else if (above.Kind == DeviceKind.DownstreamPort)
            {
                // 3. Switch routing across the internal bus, to a sibling downstream port.
                foreach (var f in segment.Functions)
                {
                    if (f is not PciBridge sibling || sibling == above || sibling.Bdf.Bus != above.Bdf.Bus || !sibling.ForwardsMemory(address, length)) continue;
                    if (TryClaimBelow(segment, sibling, address, length, out var t))
                        return new PeerRoute(PeerRouteKind.Peer, t, $"routed by switch port {above.Bdf} to its peer {sibling.Bdf} (no ACS P2P Request Redirect)");
                    return new PeerRoute(PeerRouteKind.Unclaimed, Why: $"inside the window of {sibling.Bdf} but claimed by nothing below it");
                }
            }
            // Going up through this bridge: a bridge forwards upstream only addresses outside its own windows.
            if (!redirected && above.ForwardsMemory(address, length) && above.Kind != DeviceKind.DownstreamPort)
                return new PeerRoute(PeerRouteKind.Unclaimed, Why: $"{above.Bdf} does not forward an address inside its own window upstream");
            if (above.Kind != DeviceKind.DownstreamPort) redirected = false;
            bus = above.Bdf.Bus;
        }
        return new PeerRoute(PeerRouteKind.Upstream);
    }

    private static bool RedirectsPeerRequests(PciFunction f) =>
        f.AcsOffset != 0 && (f.Config.Get16(f.AcsOffset + 6) & AcsRequestRedirect) != 0;

    /// <summary>The bridge whose secondary bus (live) is <paramref name="bus"/>.</summary>
    private static PciBridge? BridgeAbove(PciSegment segment, byte bus)
    {
        foreach (var f in segment.Functions)
        {
            if (f is PciBridge b && b.SecondaryBus == bus && b.Bdf.Bus < bus) return b;
        }
        return null;
    }

    private static bool Claims(PciFunction f, ulong address, int length, out PciMemoryTarget target)
    {
        if (f.TryDecode(address, Math.Max(1, length), out int bar, out ulong offset)) { target = new PciMemoryTarget(f, bar, offset); return true; }
        target = default;
        return false;
    }

    private static bool TryClaimBelow(PciSegment segment, PciBridge port, ulong address, int length, out PciMemoryTarget target)
    {
        if (segment.TryDecodeMemory(address, Math.Max(1, length), out target) && target.Function.Bdf.Bus > port.Bdf.Bus && port.RoutesBus(target.Function.Bdf.Bus))
            return true;
        target = default;
        return false;
    }
}
