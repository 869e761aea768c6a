using Conformance.Reference.Interrupts;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;

namespace Conformance.Suite.Checks;

/// <summary>Device-side probes shared by the checks: DMA from a test function, judged by the model.</summary>
internal static class Probe
{
    public static byte[] Pattern(Bogus.Randomizer random, int length) => random.Bytes(length);

    public static Bogus.Randomizer Random(CheckContext ctx, int salt = 0) => new((int)((ctx.Seed * 0x9E3779B1UL + (ulong)salt) & 0x7fff_ffff));

    /// <summary>DMA-writes <paramref name="data"/> and logs the step.</summary>
    public static DmaOutcome Write(CheckContext ctx, TestFunction device, ulong bus, byte[] data)
    {
        var o = device.DmaWrite(bus, data);
        ctx.Step($"{device.Bdf} DMA write of {data.Length} bytes at 0x{bus:x}: {Describe(o)}");
        return o;
    }

    public static (DmaOutcome Outcome, byte[] Data) Read(CheckContext ctx, TestFunction device, ulong bus, int length)
    {
        var data = new byte[length];
        var o = device.DmaRead(bus, data);
        ctx.Step($"{device.Bdf} DMA read of {length} bytes at 0x{bus:x}: {Describe(o)}");
        return (o, data);
    }

    public static string Describe(DmaOutcome o) => o.Kind switch
    {
        DmaResultKind.Ok => $"ok (host physical 0x{o.Address:x})",
        DmaResultKind.Fault => $"fault reason 0x{o.Reason:x}{(o.Event is null ? "" : " " + o.Event)}{(o.Why is null ? "" : $" ({o.Why})")}",
        DmaResultKind.Frozen => $"PE {o.Pe} frozen",
        DmaResultKind.Abort => "master abort",
        DmaResultKind.Interrupt => $"interrupt request: {o.Interrupt?.Kind}",
        _ => o.Kind.ToString(),
    };

    /// <summary>
    /// The attacker's device writes and reads at every frame another owner or the host holds (their host physical
    /// addresses as bus addresses), at bus addresses equal to victims' guest-physical addresses beyond the
    /// attacker's own memory, and at a few never-mapped bus addresses. Returns descriptions of reads that returned
    /// a victim's bytes (a leak); writes are judged by the watch's canaries.
    /// </summary>
    public static List<string> Attack(CheckContext ctx, Scenario scenario, IsolationWatch watch, GuestHarness? attacker, TestFunction device, Bogus.Randomizer random)
    {
        var leaks = new List<string>();
        var targets = new List<ulong>();
        foreach (var frame in watch.VictimFrames(attacker)) targets.Add(frame + (ulong)random.Int(0, 4096 - 64));
        ulong mem = attacker?.Guest.Config.MemorySize ?? 0;
        var own = attacker?.RamFrames.ToHashSet() ?? [];
        targets.Add(mem + (ulong)random.Int(0, 255) * 0x1000);
        targets.Add(0x4000_0000UL + (ulong)random.Int(0, 1023) * 0x1000);
        targets.Add(0x7f_ffff_f000UL);
        // Bound the work: every victim frame is a target in the first rounds; sample when there are many.
        if (targets.Count > 96) targets = random.Shuffle(targets).Take(96).ToList();
        int quiet = 0;
        foreach (var t in targets)
        {
            var junk = random.Bytes(64);
            var w = device.DmaWrite(t, junk);
            var buffer = new byte[64];
            var r = device.DmaRead(t, buffer);
            if (w.IsOk || r.IsOk) ctx.Step($"{device.Bdf} DMA at 0x{t:x}: write {Describe(w)}, read {Describe(r)}");
            else quiet++;
            if (r.IsOk)
            {
                var actual = new byte[64];
                if (scenario.Memory.TryRead(r.Address, actual) && actual.AsSpan().SequenceEqual(buffer) && !own.Contains(r.Address & ~0xfffUL)
                    && !buffer.AsSpan().SequenceEqual(junk))
                    leaks.Add($"{device.Bdf} read another owner's bytes at bus 0x{t:x} (host physical 0x{r.Address:x})");
            }
        }
        if (quiet > 0) ctx.Step($"{device.Bdf}: {quiet} more DMA probes at other owners' and unmapped addresses were blocked");
        return leaks;
    }

    /// <summary>Interrupts delivered since <paramref name="since"/> (a sequence number).</summary>
    public static List<DeliveredInterrupt> DeliveredSince(Scenario scenario, long since) =>
        scenario.Machine.Interrupts.All.Where(d => d.Sequence > since).ToList();

    public static long LastSequence(Scenario scenario) =>
        scenario.Machine.Interrupts.All.Select(d => d.Sequence).DefaultIfEmpty(0).Max();
}
