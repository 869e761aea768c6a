using System.Text;
using Conformance.Adapters;
using Conformance.Suite.Machine;
using CsCheck;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Checks;

/// <summary>
/// DMA-010: random map/unmap sequences (CsCheck SampleModelBased) against a model of expected mappings in a small
/// IOVA window; after each sequence every page of the window is probed with device DMA. On failure CsCheck shrinks
/// the sequence and the reproduction shows its seed and the shortest failing operations.
/// </summary>
internal static class ModelChecks
{
    private const int Pages = 24;

    /// <summary>The system under test: one owner's full-space domain and a device that probes it.</summary>
    internal sealed class Domain : IAsyncDisposable
    {
        public required World World { get; init; }
        public required GuestHarness Guest { get; init; }
        public required IFullSpaceDma Space { get; init; }
        public required ulong Base { get; init; }
        public required ulong Page { get; init; }
        public List<string> Mismatches { get; } = [];
        public override string ToString() => Mismatches.Count == 0 ? "Domain(consistent answers)" : $"Domain(mismatches: {string.Join("; ", Mismatches)})";
        public ValueTask DisposeAsync() => World.DisposeAsync();
    }

    /// <summary>The model: IOVA page index to guest-physical page index, and the mappings as extents.</summary>
    internal sealed class Model
    {
        public SortedDictionary<int, int> Pages { get; } = new();
        public List<(int Start, int Count)> Extents { get; } = [];
        public override string ToString() => "Model(" + string.Join(", ", Extents.Select(e => $"[{e.Start}+{e.Count}]")) + ")";
    }

    [Check("DMA-010")]
    internal static Task Random_map_and_unmap_sequences_agree_with_the_model(CheckContext ctx)
    {
        var domains = new List<Domain>();
        var random = Probe.Random(ctx);
        ulong runSeed = ctx.Seed;
        var initial = Gen.Int[0, int.MaxValue].Select(s =>
        {
            var d = Create(ctx, (ulong)s ^ runSeed).GetAwaiter().GetResult();
            lock (domains) domains.Add(d);
            return (d, new Model());
        });
        var map = Gen.Select(Gen.Int[0, Pages - 1], Gen.Int[1, 6], Gen.Int[0, 31]).Operation<Domain, Model>(
            t => $"map iova page {t.Item1} x{t.Item2} -> gpa page {t.Item3}",
            (d, t) => DoMap(d, t.Item1, t.Item2, t.Item3),
            (m, t) => ModelMap(m, t.Item1, t.Item2, t.Item3));
        var unmap = Gen.Select(Gen.Int[0, Pages - 1], Gen.Int[1, 8]).Operation<Domain, Model>(
            t => $"unmap iova page {t.Item1} x{t.Item2}",
            (d, t) => DoUnmap(d, t.Item1, t.Item2),
            (m, t) => ModelUnmap(m, t.Item1, t.Item2));
        string seed = new PCG((uint)(ctx.Seed >> 32) | 1, ctx.Seed).ToString();
        ctx.Step($"CsCheck SampleModelBased over {Pages} IO pages, CsCheck seed {seed}");
        try
        {
            ctx.Muted = true;
            Check.SampleModelBased(initial, [map, unmap], equal: Agrees, seed: seed, iter: 12, threads: 1,
                printActual: d => d.ToString(), printModel: m => m.ToString());
        }
        catch (CsCheckException e)
        {
            ctx.Reproduction = e.Message;
            ctx.Fail("a map/unmap sequence left the domain disagreeing with the model (see the shrunk sequence)");
        }
        finally
        {
            ctx.Muted = false;
            foreach (var d in domains) d.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return Task.CompletedTask;
    }

    private static async Task<Domain> Create(CheckContext ctx, ulong seed)
    {
        var world = await ctx.StartAsync(seed & 0x7fff_ffff);
        var a = await world.GuestAsync("A", memory: 256UL << 10);
        await world.AttachAsync(a, world.GroupOf(Solo));
        var fs = a.Guest.FullSpace ?? throw new CheckNotSupportedException("no full-space DMA");
        ulong page = fs.PageSizes[0];
        ulong iova = FullSpace.FreeIova(ctx, fs, (ulong)Pages * page, a.Guest.Config.MemorySize, new Bogus.Randomizer((int)(seed & 0x7fff_ffff)));
        // Every guest page holds its own index, so a probe tells which page a translation reaches.
        for (int p = 0; p < 32; p++) a.Write(0x10_000 + (ulong)p * page, Fill(p, (int)page));
        return new Domain { World = world, Guest = a, Space = fs, Base = iova, Page = page };
    }

    private static byte[] Fill(int page, int size)
    {
        var b = new byte[size];
        for (int i = 0; i < size; i += 4) BitConverter.TryWriteBytes(b.AsSpan(i), 0x5a000000 | (page << 12) | (i >> 2 & 0xfff));
        return b;
    }

    private static void DoMap(Domain d, int start, int count, int gpaPage)
    {
        count = Math.Min(count, Pages - start);
        gpaPage = Math.Min(gpaPage, 32 - count);
        var r = d.Space.MapAsync(d.Base + (ulong)start * d.Page, 0x10_000 + (ulong)gpaPage * d.Page, (ulong)count * d.Page, DmaAccess.ReadWrite, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (!r.IsOk && r.Error.Kind is not (AdapterErrorKind.Exists)) d.Mismatches.Add($"map of iova page {start} x{count} refused with {r.Error.Kind}");
    }

    private static void ModelMap(Model m, int start, int count, int gpaPage)
    {
        count = Math.Min(count, Pages - start);
        gpaPage = Math.Min(gpaPage, 32 - count);
        for (int i = 0; i < count; i++) if (m.Pages.ContainsKey(start + i)) return; // EEXIST: nothing changes
        for (int i = 0; i < count; i++) m.Pages[start + i] = gpaPage + i;
        m.Extents.Add((start, count));
    }

    private static void DoUnmap(Domain d, int start, int count)
    {
        count = Math.Min(count, Pages - start);
        d.Space.UnmapAsync(d.Base + (ulong)start * d.Page, (ulong)count * d.Page, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    private static void ModelUnmap(Model m, int start, int count)
    {
        count = Math.Min(count, Pages - start);
        int end = start + count;
        // Type1 v2: an unmap may not bisect a mapping (EINVAL, nothing changes); it removes whole mappings inside.
        if (m.Extents.Any(e => e.Start < end && start < e.Start + e.Count && (e.Start < start || e.Start + e.Count > end))) return;
        foreach (var e in m.Extents.Where(e => e.Start >= start && e.Start + e.Count <= end).ToList())
        {
            m.Extents.Remove(e);
            for (int i = 0; i < e.Count; i++) m.Pages.Remove(e.Start + i);
        }
    }

    /// <summary>Probes every IO page of the window with device DMA and compares with the model.</summary>
    private static bool Agrees(Domain d, Model m)
    {
        var device = d.Guest.Device(Solo);
        var buffer = new byte[64];
        var problems = new StringBuilder();
        for (int p = 0; p < Pages; p++)
        {
            var o = device.DmaRead(d.Base + (ulong)p * d.Page, buffer);
            if (m.Pages.TryGetValue(p, out int gpaPage))
            {
                if (!o.IsOk) problems.Append($"page {p} should reach gpa page {gpaPage} but DMA was stopped ({Probe.Describe(o)}); ");
                else if (!buffer.AsSpan().SequenceEqual(Fill(gpaPage, 64))) problems.Append($"page {p} should reach gpa page {gpaPage} but read other bytes; ");
            }
            else if (o.IsOk)
            {
                problems.Append($"page {p} is unmapped in the model but DMA reached host physical 0x{o.Address:x}; ");
            }
        }
        if (problems.Length > 0) d.Mismatches.Add(problems.ToString());
        return problems.Length == 0;
    }
}
