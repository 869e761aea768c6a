using System.Buffers.Binary;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Text;

namespace Conformance.Reference.Vectors;

/// <summary>A step whose expectation did not hold.</summary>
public sealed record StepFailure(VectorFile Vector, VectorStep Step, string Expected, string Actual)
{
    public override string ToString() =>
        $"{Vector.Path}: {Vector.Name}: step {Step.Index} ({Step.Op}, line {Step.Node.Line}): expected {Expected}, got {Actual}";
}

public sealed record VectorResult(VectorFile Vector, IReadOnlyList<StepFailure> Failures)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>The simulated machine a vector runs on, with configuration-space access to its functions.</summary>
public interface IVectorHardware
{
    Machine Machine { get; }
    uint ConfigRead(Bdf bdf, int offset, int width);
    void ConfigWrite(Bdf bdf, int offset, int width, uint value);
}

/// <summary>
/// Runs parsed vectors step by step against a fresh machine each. Every step is executed even after a failure, so a
/// report lists every step that failed; a step's outcome is always a value (the model never throws for what a
/// vector can program).
/// </summary>
public sealed class VectorRunner(IReadOnlyDictionary<string, IVectorPlatform> platforms, Func<VectorFile, IVectorHardware> buildHardware)
{
    public VectorResult Run(VectorFile vector)
    {
        var hw = buildHardware(vector);
        var machine = hw.Machine;
        var session = platforms[vector.Platform].Attach(machine, vector.PlatformConfig, vector.Topology);
        var failures = new List<StepFailure>();
        long seenInterrupts = 0;
        foreach (var step in vector.Steps)
        {
            Observation? actual = Execute(step, hw, session, ref seenInterrupts);
            if (step.Expect is null || actual is null) continue;
            var mismatch = Compare(step.Expect, actual);
            if (mismatch is not null) failures.Add(new StepFailure(vector, step, mismatch.Value.Expected, mismatch.Value.Actual));
        }
        return new VectorResult(vector, failures);
    }

    private static Observation? Execute(VectorStep step, IVectorHardware hw, IVectorSession session, ref long seenInterrupts)
    {
        var s = step.Node;
        var machine = hw.Machine;
        switch (step.Op)
        {
            case "mem.write":
            {
                ulong addr = s.Require("addr").AsUInt64();
                bool big = s.Get("endian")?.AsString() == "big";
                bool ok = s.Get("bytes") is { } b
                    ? machine.Memory.TryWrite(addr, VectorReader.Bytes(b))
                    : big ? machine.Memory.TryWriteBe(addr, Width(s), s.Require("value").AsUInt64())
                          : machine.Memory.TryWriteLe(addr, Width(s), s.Require("value").AsUInt64());
                // The reader rejected writes outside the declared regions, so this cannot fail.
                System.Diagnostics.Debug.Assert(ok);
                return null;
            }
            case "mem.read":
            {
                ulong addr = s.Require("addr").AsUInt64();
                if (s.Get("len") is { } lenNode)
                {
                    var buf = new byte[lenNode.AsInt(1, 1 << 24)];
                    return machine.Memory.TryRead(addr, buf) ? Value(buf) : new Observation().Add("result", "unbacked");
                }
                bool big = s.Get("endian")?.AsString() == "big";
                bool ok = big ? machine.Memory.TryReadBe(addr, Width(s), out ulong v) : machine.Memory.TryReadLe(addr, Width(s), out v);
                return ok ? Value(v & Mask(s)) : new Observation().Add("result", "unbacked");
            }
            case "mmio.write":
            {
                var unit = machine.Units[s.Require("unit").AsString()];
                machine.CpuWrite(unit.Base + s.Require("offset").AsUInt64(), Width(s), s.Require("value").AsUInt64());
                return null;
            }
            case "mmio.read":
            {
                var unit = machine.Units[s.Require("unit").AsString()];
                return Value(machine.CpuRead(unit.Base + s.Require("offset").AsUInt64(), Width(s)) & Mask(s));
            }
            case "cpu.write":
                machine.CpuWrite(s.Require("addr").AsUInt64(), Width(s), s.Require("value").AsUInt64());
                return null;
            case "cpu.read":
                return Value(machine.CpuRead(s.Require("addr").AsUInt64(), Width(s)) & Mask(s));
            case "cfg.write":
                hw.ConfigWrite(Bdf.Parse(s.Require("bdf").AsString()), (int)s.Require("offset").AsUInt64(), Width(s), (uint)s.Require("value").AsUInt64());
                return null;
            case "cfg.read":
                return Value(hw.ConfigRead(Bdf.Parse(s.Require("bdf").AsString()), (int)s.Require("offset").AsUInt64(), Width(s)) & Mask(s));
            case "dma":
                return Dma(s, machine);
            case "msi":
            {
                var outcome = machine.Msi(Bdf.Parse(s.Require("rid").AsString()), s.Require("addr").AsUInt64(), (uint)s.Require("data").AsUInt64());
                return Interrupt(outcome, new Observation());
            }
            case "opal":
            {
                var args = s.Get("args")?.Items.Select(a => unchecked((ulong)a.AsInt64())).ToArray() ?? [];
                string call = s.Require("call").AsString();
                if (!session.TryFirmwareCall(call, args, out long rc, out var outs))
                    return new Observation().Add("result", "no-firmware");
                return new Observation().Add("rc", rc).Add("out", outs.Select(o => (object)o).ToList());
            }
            case "tick":
                machine.Tick(s.Get("count")?.AsInt(1, 1_000_000) ?? 1);
                return null;
            case "interrupts":
            {
                long since = seenInterrupts;
                var all = machine.Interrupts.All.Where(d => d.Sequence > since).ToList();
                if (all.Count > 0) seenInterrupts = all[^1].Sequence;
                return new Observation().Add("delivered", all.Select(d => (object)new Observation().Add("dest", (ulong)d.Destination).Add("vector", (ulong)d.Vector).Add("source", (ulong)d.SourceId)).ToList());
            }
            default:
                throw new InvalidOperationException($"op {step.Op} passed validation but has no implementation");
        }
    }

    private static Observation Dma(JsonValue s, Machine machine)
    {
        var rid = Bdf.Parse(s.Require("rid").AsString());
        ulong addr = s.Require("addr").AsUInt64();
        uint? pasid = s.Get("pasid") is { } p ? (uint)p.AsUInt64() : null;
        bool write = s.Require("dir").AsString() == "write";
        byte[] buffer;
        int width = 0;
        if (write)
        {
            if (s.Get("bytes") is { } b) buffer = VectorReader.Bytes(b);
            else
            {
                width = Width(s);
                buffer = new byte[width];
                ulong v = s.Require("value").AsUInt64();
                for (int i = 0; i < width; i++) buffer[i] = (byte)(v >> (8 * i));
            }
        }
        else if (s.Get("len") is { } len) buffer = new byte[len.AsInt(1, 1 << 24)];
        else { width = Width(s); buffer = new byte[width]; }

        var outcome = machine.Dma(rid, addr, buffer, write ? DmaDirection.Write : DmaDirection.Read, pasid);
        var o = new Observation().Add("result", ResultName(outcome.Kind));
        switch (outcome.Kind)
        {
            case DmaResultKind.Ok:
                o.Add("pa", outcome.Address);
                if (!write)
                {
                    if (width > 0) o.Add("value", BinaryPrimitives.ReadUInt64LittleEndian(Pad8(buffer)));
                    else o.Add("bytes", buffer);
                }
                break;
            case DmaResultKind.Fault:
                if (outcome.Event is not null) o.Add("event", outcome.Event);
                else o.Add("reason", (ulong)outcome.Reason);
                break;
            case DmaResultKind.Frozen:
                o.Add("pe", (ulong)outcome.Pe);
                break;
            case DmaResultKind.Abort:
                o.Add("pa", outcome.Address);
                break;
            case DmaResultKind.Interrupt when outcome.Interrupt is { } io:
                Interrupt(io, o, prefix: true);
                break;
        }
        o.Add("done", (ulong)outcome.BytesDone);
        if (outcome.Why is not null) o.Add("why", outcome.Why);
        return o;
    }

    private static Observation Interrupt(InterruptOutcome io, Observation o, bool prefix = false)
    {
        string key = prefix ? "interrupt" : "result";
        switch (io.Kind)
        {
            case InterruptResultKind.Delivered:
                o.Add(key, "delivered").Add("dest", (ulong)io.Destination).Add("vector", (ulong)io.Vector);
                break;
            case InterruptResultKind.Posted:
                o.Add(key, "posted").Add("vector", (ulong)io.Vector).Add("descriptor", io.DescriptorAddress);
                break;
            default:
                o.Add(key, "blocked");
                if (io.Event is not null) o.Add("event", io.Event);
                else o.Add("reason", (ulong)io.Reason);
                break;
        }
        if (io.Why is not null) o.Add("why", io.Why);
        return o;
    }

    private static string ResultName(DmaResultKind kind) => kind switch
    {
        DmaResultKind.Ok => "ok",
        DmaResultKind.Fault => "fault",
        DmaResultKind.Frozen => "frozen",
        DmaResultKind.Abort => "abort",
        _ => "interrupt",
    };

    private static byte[] Pad8(byte[] b)
    {
        var r = new byte[8];
        b.AsSpan(0, Math.Min(8, b.Length)).CopyTo(r);
        return r;
    }

    private static int Width(JsonValue s) => VectorReader.Width(s.Require("width"));

    private static ulong Mask(JsonValue s) => s.Get("mask")?.AsUInt64() ?? ulong.MaxValue;

    private static Observation Value(ulong v) => new Observation().Add("value", v);

    private static Observation Value(byte[] b) => new Observation().Add("bytes", b);

    // ---- comparison --------------------------------------------------------------------------------------

    /// <summary>Only the fields an expectation names are compared (formats.md §4).</summary>
    internal static (string Expected, string Actual)? Compare(JsonValue expect, Observation actual)
    {
        // Scalar expectation: a read's value (or bytes).
        if (expect.Kind is JsonKind.Number or JsonKind.String)
        {
            if (actual.Get("bytes") is byte[] bytes)
            {
                var want = VectorReader.Bytes(expect);
                return want.AsSpan().SequenceEqual(bytes) ? null : ($"\"{Convert.ToHexStringLower(want)}\"", $"\"{Convert.ToHexStringLower(bytes)}\"");
            }
            if (actual.Get("value") is ulong v)
            {
                ulong want = unchecked((ulong)expect.AsInt64());
                return want == v ? null : ($"0x{want:x}", $"0x{v:x}");
            }
            return (expect.Describe(), actual.ToString());
        }
        if (expect.Kind == JsonKind.Array) throw expect.Error("expect must be a value or an object");
        foreach (var (key, want) in expect.Members)
        {
            object? got = actual.Get(key);
            if (got is null || !Matches(want, got))
                return ("{" + string.Join(", ", expect.Members.Select(m => $"\"{m.Key}\": {Render(m.Value)}")) + "}", actual.ToString());
        }
        return null;
    }

    private static bool Matches(JsonValue want, object got)
    {
        switch (got)
        {
            case string s:
                return want.Kind == JsonKind.String && want.Text == s;
            case ulong u:
                return want.Kind is JsonKind.Number or JsonKind.String && unchecked((ulong)want.AsInt64()) == u;
            case long l:
                return want.Kind is JsonKind.Number or JsonKind.String && want.AsInt64() == l;
            case byte[] bytes:
                return want.Kind == JsonKind.String && VectorReader.Bytes(want).AsSpan().SequenceEqual(bytes);
            case List<object> list:
                if (want.Kind != JsonKind.Array || want.Items.Count != list.Count) return false;
                for (int i = 0; i < list.Count; i++)
                {
                    if (!Matches(want.Items[i], list[i])) return false;
                }
                return true;
            case Observation o:
                if (want.Kind != JsonKind.Object) return false;
                return want.Members.All(m => o.Get(m.Key) is { } v && Matches(m.Value, v));
            default:
                return false;
        }
    }

    private static string Render(JsonValue v) => v.Kind switch
    {
        JsonKind.String => $"\"{v.Text}\"",
        JsonKind.Number => v.Text!,
        JsonKind.Array => "[" + string.Join(", ", v.Items.Select(Render)) + "]",
        JsonKind.Object => "{" + string.Join(", ", v.Members.Select(m => $"\"{m.Key}\": {Render(m.Value)}")) + "}",
        _ => v.Describe(),
    };
}
