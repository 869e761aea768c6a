using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Scenarios.Tests;

/// <summary>Structural rules every generated topology must keep; each broken rule is reported as one line.</summary>
public static class TopologyChecks
{
    public static List<string> Problems(TopologySpec t)
    {
        var problems = new List<string>();
        var byBdf = new Dictionary<Bdf, DeviceSpec>();
        foreach (var d in t.Devices)
        {
            if (!byBdf.TryAdd(d.Bdf, d)) problems.Add($"{d.Bdf} appears twice");
        }
        var bridges = t.Devices.Where(d => d.Kind.IsBridge()).ToList();
        // The bridge whose secondary bus is (segment, bus).
        var parentOf = new Dictionary<(int, int), DeviceSpec>();
        foreach (var b in bridges)
        {
            if (b.Secondary is not { } sec || b.Subordinate is not { } sub) { problems.Add($"bridge {b.Bdf} lacks bus numbers"); continue; }
            if (sec <= b.Bdf.Bus) problems.Add($"bridge {b.Bdf}: secondary {sec:x2} not above its own bus");
            if (sub < sec) problems.Add($"bridge {b.Bdf}: subordinate {sub:x2} below secondary {sec:x2}");
            if (!parentOf.TryAdd((b.Bdf.Segment, sec), b)) problems.Add($"bus {b.Bdf.Segment:x4}:{sec:x2} is the secondary of two bridges");
        }
        foreach (var (segment, bus) in t.Devices.Select(d => (d.Bdf.Segment, (int)d.Bdf.Bus)).Distinct().Where(k => !parentOf.ContainsKey(k)))
        {
            // A bus no bridge leads to is a root bus: no bridge's range may claim it.
            foreach (var b in bridges.Where(b => b.Bdf.Segment == segment && b.Secondary <= bus && bus <= b.Subordinate))
                problems.Add($"bus {segment:x4}:{bus:x2} has functions and lies in {b.Bdf}'s range, but no bridge has it as secondary");
        }
        // Depth-first numbering: everything below a bridge lies inside [secondary, subordinate], and subordinate is the
        // highest bus used below it.
        var highest = bridges.Where(b => b.Secondary is not null).ToDictionary(b => b.Bdf, b => (int)b.Secondary!.Value);
        foreach (var d in t.Devices)
        {
            var key = (d.Bdf.Segment, (int)d.Bdf.Bus);
            for (int hops = 0; hops < 256 && parentOf.TryGetValue(key, out var p); hops++)
            {
                highest[p.Bdf] = Math.Max(highest[p.Bdf], d.Subordinate ?? d.Bdf.Bus);
                if (d.Bdf.Bus < p.Secondary || d.Bdf.Bus > p.Subordinate) problems.Add($"{d.Bdf} is below {p.Bdf} but outside its bus range");
                key = (p.Bdf.Segment, p.Bdf.Bus);
            }
        }
        foreach (var b in bridges.Where(b => b.Secondary is not null && highest[b.Bdf] != b.Subordinate))
            problems.Add($"bridge {b.Bdf}: subordinate {b.Subordinate:x2} but the highest bus below is {highest[b.Bdf]:x2}");
        foreach (var bus in t.Devices.GroupBy(d => (d.Bdf.Segment, (int)d.Bdf.Bus)))
        {
            // Sibling bridges in devfn order take consecutive bus ranges, the first starting right after the bus itself.
            int next = bus.Key.Item2 + 1;
            foreach (var b in bus.Where(d => d.Kind.IsBridge()).OrderBy(d => d.Bdf))
            {
                if (b.Secondary != next) problems.Add($"bridge {b.Bdf}: secondary {b.Secondary:x2}, depth-first numbering gives {next:x2}");
                next = (b.Subordinate ?? 0) + 1;
            }
            parentOf.TryGetValue(bus.Key, out var parent);
            foreach (var d in bus)
            {
                if (parent is null) continue;
                string? misplaced = (parent.Kind, d.Kind) switch
                {
                    // A conventional bridge may sit straight on a link (ASMedia ASM1083: no PCIe capability; quirk_use_pcie_bridge_dma_alias).
                    (DeviceKind.RootPort or DeviceKind.DownstreamPort or DeviceKind.PciToPcieBridge, _) when d.Bdf.Device != 0 && !d.Ari => "a PCIe link carries only device 0",
                    (DeviceKind.RootPort or DeviceKind.DownstreamPort or DeviceKind.PciToPcieBridge, _) when !d.Kind.IsPcie() && d.Kind != DeviceKind.PciBridge => "a conventional function on a PCIe link",
                    (DeviceKind.UpstreamPort, not DeviceKind.DownstreamPort) => "only downstream ports sit on a switch's internal bus",
                    (not DeviceKind.UpstreamPort, DeviceKind.DownstreamPort) => "a downstream port outside a switch",
                    (not (DeviceKind.RootPort or DeviceKind.DownstreamPort), DeviceKind.UpstreamPort) => "an upstream port not below a root or downstream port",
                    (DeviceKind.PcieToPciBridge or DeviceKind.PciBridge, _) when d.Kind.IsPcie() && d.Kind != DeviceKind.PciToPcieBridge => "a PCIe function on a conventional bus",
                    (_, DeviceKind.HostBridge or DeviceKind.RcEndpoint or DeviceKind.RcEventCollector or DeviceKind.RootPort) => "a root-complex function off the root bus",
                    _ => null,
                };
                if (misplaced is not null) problems.Add($"{d.Bdf} ({d.Kind.ToName()}) below {parent.Bdf} ({parent.Kind.ToName()}): {misplaced}");
            }
        }
        foreach (var slot in t.Devices.GroupBy(d => (d.Bdf.Segment, d.Bdf.Bus, d.Bdf.Device)))
        {
            bool mf = slot.Count() > 1;
            if (!slot.Any(d => d.Bdf.Function == 0)) problems.Add($"slot {slot.First().Bdf} has no function 0");
            foreach (var d in slot.Where(d => d.Multifunction == false && mf)) problems.Add($"{d.Bdf} says single-function but its slot has {slot.Count()} functions");
        }
        return problems;
    }
}
