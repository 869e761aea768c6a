using Conformance.Adapters.Platform;
using Conformance.Reference.Interrupts;

namespace Conformance.Suite.Machine;

/// <summary>
/// Canaries in every other owner's memory, in host pages, and on every interrupt destination. After each operation
/// the suite asks <see cref="Violations"/>: any changed canary byte, or any interrupt that reached a destination other
/// than its owner's configured vectors, is a violation. All of it is read from the model.
/// </summary>
public sealed class IsolationWatch
{
    private readonly Scenario _scenario;
    private readonly List<GuestHarness> _owners;
    private readonly Dictionary<ulong, byte[]> _canaries = new();
    private readonly Dictionary<uint, int> _seen = new();

    public IsolationWatch(Scenario scenario, IEnumerable<GuestHarness> owners, int hostPages = 4)
    {
        _scenario = scenario;
        _owners = owners.ToList();
        var random = new Bogus.Randomizer((int)(scenario.Seed * 31 + 7));
        for (int i = 0; i < hostPages; i++)
        {
            if (scenario.Pages.Allocate("host:canary") is { } frame) _canaries[frame] = random.Bytes(4096);
        }
        foreach (var o in _owners)
        {
            foreach (var frame in o.RamFrames) _canaries[frame] = random.Bytes(4096);
        }
        foreach (var (frame, bytes) in _canaries) scenario.Memory.TryWrite(frame, bytes);
        foreach (var apic in scenario.Machine.Interrupts.Apics) _seen[apic.Id] = apic.Delivered.Count;
    }

    /// <summary>Host physical frames holding canaries that <paramref name="attacker"/> must never reach.</summary>
    public IReadOnlyList<ulong> VictimFrames(GuestHarness? attacker)
    {
        var own = attacker?.RamFrames.ToHashSet() ?? [];
        return _canaries.Keys.Where(f => !own.Contains(f)).Order().ToList();
    }

    /// <summary>Re-arms the canaries of <paramref name="owner"/>'s own memory after it legitimately wrote there.</summary>
    public void Forget(GuestHarness owner)
    {
        foreach (var f in owner.RamFrames) _canaries.Remove(f);
    }

    /// <summary>Every isolation violation since the watch was armed (empty when none).</summary>
    public IReadOnlyList<string> Violations(GuestHarness? attacker = null)
    {
        var found = new List<string>();
        var own = attacker?.RamFrames.ToHashSet() ?? [];
        var buffer = new byte[4096];
        foreach (var (frame, bytes) in _canaries)
        {
            if (own.Contains(frame)) continue;
            _scenario.Memory.TryRead(frame, buffer);
            if (!buffer.AsSpan().SequenceEqual(bytes))
            {
                int at = 0;
                while (buffer[at] == bytes[at]) at++;
                string whose = _owners.FirstOrDefault(o => o.RamFrames.Contains(frame))?.Name ?? _scenario.Pages.OwnerOf(frame) ?? "free memory";
                found.Add($"memory of {whose} at host physical 0x{frame + (ulong)at:x} changed");
            }
        }
        foreach (var apic in _scenario.Machine.Interrupts.Apics)
        {
            int from = _seen.TryGetValue(apic.Id, out var n) ? n : 0;
            foreach (var d in apic.Delivered.Skip(from))
            {
                var owner = _owners.FirstOrDefault(o => o.Guest.Config.Vcpus.Contains(d.Destination));
                if (owner is null)
                    found.Add($"interrupt vector {d.Vector} reached host CPU {d.Destination}, which no owner has (source {Source(d)})");
                else if (!owner.ConfiguredVectors.Contains((d.Destination, d.Vector)))
                    found.Add($"interrupt vector {d.Vector} reached {owner.Name}'s vCPU {d.Destination}, which is not one of its configured vectors (source {Source(d)})");
                else if (!IsFrom(owner, d))
                    found.Add($"interrupt vector {d.Vector} on {owner.Name}'s vCPU {d.Destination} came from {Source(d)}, a device {owner.Name} does not own");
            }
        }
        return found;
    }

    private bool IsFrom(GuestHarness owner, DeliveredInterrupt d) =>
        owner.Guest.Groups.SelectMany(g => _scenario.Facts.Group(g) is { } group ? _scenario.Facts.DmaAliasesOf(group) : []).Any(b => b.RequesterId == d.SourceId);

    private static string Source(DeliveredInterrupt d) => Reference.Pci.Bdf.FromRequesterId(0, d.SourceId).ToString();

    /// <summary>Accepts everything delivered so far as seen (after a step that legitimately raised interrupts).</summary>
    public void Acknowledge()
    {
        foreach (var apic in _scenario.Machine.Interrupts.Apics) _seen[apic.Id] = apic.Delivered.Count;
    }
}
