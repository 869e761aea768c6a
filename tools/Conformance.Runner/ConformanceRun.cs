using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Conformance.Reference.Text;
using Conformance.Runner.Reports;
using Conformance.Suite.Catalog;

namespace Conformance.Runner;

/// <summary>
/// The engine behind <c>conformance run</c> (formats.md §5): select adapters and requirements, derive seeds, take this
/// shard's slice, run each check with a time limit, apply the baseline, and write the reports.
/// </summary>
public static class ConformanceRun
{
    /// <summary>
    /// Validates everything first (adapters, profile, baselines, report paths), then runs. Bad input throws
    /// <see cref="UsageException"/> or <see cref="InputException"/> before any test runs or any file is written.
    /// A check that throws or outlives <see cref="RunOptions.Timeout"/> is an Error and the run goes on.
    /// </summary>
    public static async Task<RunResult> ExecuteAsync(
        RunOptions options,
        ISuiteCatalog catalog,
        IRunObserver? observer = null,
        TimeProvider? time = null,
        CancellationToken ct = default)
    {
        time ??= TimeProvider.System;
        IReadOnlyList<AdapterInfo> adapters = SelectAdapters(options, catalog);
        var warnings = new List<string>();
        BaselineSet baselines = LoadBaselines(options, adapters, catalog, warnings);
        ReportWriter.Validate(options.Reports);

        ulong seed = options.Seed ?? Seeds.Fresh();
        string runId = options.RunId ?? DeriveRunId(seed, options, adapters);
        IReadOnlyList<PlannedTest> plan = RunPlan.Build(catalog, adapters, options.Filter, seed, options.Shard);
        observer?.RunStarting(new RunHeader(runId, seed, options.Shard, plan, [.. baselines.All], warnings));

        DateTimeOffset start = time.GetUtcNow();
        var results = new List<TestResult>(plan.Count);
        for (int i = 0; i < plan.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            PlannedTest test = plan[i];
            observer?.TestStarting(test, i, plan.Count);
            TestResult result = await RunOneAsync(test, catalog, baselines, options, seed, time, ct).ConfigureAwait(false);
            results.Add(result);
            observer?.TestFinished(result, i, plan.Count);
        }

        var run = new RunResult(runId, seed, options.Shard, options.Profile, options.Filter, adapters, catalog.Requirements,
            results, start, time.GetUtcNow());
        ReportWriter.WriteAll(options.Reports, run);
        observer?.RunFinished(run);
        return run;
    }

    private static List<AdapterInfo> SelectAdapters(RunOptions options, ISuiteCatalog catalog)
    {
        IReadOnlyList<AdapterInfo> all = catalog.Adapters;
        string known = all.Count == 0 ? "none" : string.Join(", ", all.Select(a => a.Name));
        var selected = new List<AdapterInfo>();
        if (options.Adapters.Count == 0)
        {
            selected.AddRange(all);
        }
        else
        {
            foreach (string name in options.Adapters)
            {
                AdapterInfo a = all.FirstOrDefault(x => x.Name == name)
                    ?? throw new UsageException($"--adapter \"{name}\": unknown adapter (known: {known})");
                if (!selected.Contains(a)) selected.Add(a);
            }
        }
        if (options.Profile is { } profile)
        {
            selected.RemoveAll(a => a.Profile != profile);
            if (selected.Count == 0)
            {
                string profiles = string.Join(", ", all.Select(a => a.Profile).Distinct());
                throw new UsageException($"--profile \"{profile}\": no selected adapter is declared under it (profiles: {(profiles.Length == 0 ? "none" : profiles)})");
            }
        }
        if (selected.Count == 0) throw new UsageException("no adapters to run: the catalog declares none");
        return selected;
    }

    private static BaselineSet LoadBaselines(RunOptions options, IReadOnlyList<AdapterInfo> adapters, ISuiteCatalog catalog, List<string> warnings)
    {
        var set = new BaselineSet();
        if (options.BaselinePaths.Count > 0)
        {
            foreach (string path in options.BaselinePaths) set.Add(Baseline.Read(path));
        }
        else
        {
            foreach (AdapterInfo a in adapters)
            {
                string? path = options.ShippedBaselineDirectory is { } dir ? Path.Combine(dir, $"{a.Name}.{a.Profile}.json") : null;
                if (path is not null && File.Exists(path))
                {
                    set.Add(Baseline.Read(path));
                }
                else if (options.UseSuiteBaselines && SuiteBaselineText(a) is { } text)
                {
                    set.Add(Baseline.Parse(text, $"(built in) adapters/baselines/{a.Name}.{a.Profile}.json"));
                }
            }
        }
        var ids = catalog.Requirements.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (Baseline b in set.All)
        {
            if (!adapters.Any(a => a.Name == b.Adapter && a.Profile == b.Profile))
                warnings.Add($"{b.Source}: baseline for {b.Adapter}/{b.Profile} matches no adapter in this run");
            foreach (string id in b.Expected.Keys.Where(id => !ids.Contains(id)))
                warnings.Add($"{b.Source}: requirement {id} is not in the suite (stale baseline entry)");
        }
        return set;
    }

    /// <summary>The shipped baseline as the suite assembly embeds it (<c>Conformance.Suite.Baselines.&lt;adapter&gt;.&lt;profile&gt;.json</c>).</summary>
    private static string? SuiteBaselineText(AdapterInfo a)
    {
        using Stream? s = typeof(SuiteCatalog).Assembly.GetManifestResourceStream($"Conformance.Suite.Baselines.{a.Name}.{a.Profile}.json");
        if (s is null) return null;
        using var reader = new StreamReader(s);
        return reader.ReadToEnd();
    }

    private static async Task<TestResult> RunOneAsync(PlannedTest test, ISuiteCatalog catalog, BaselineSet baselines, RunOptions options,
        ulong runSeed, TimeProvider time, CancellationToken ct)
    {
        DateTimeOffset start = time.GetUtcNow();
        long t0 = time.GetTimestamp();
        CheckResult check = await RunCheckAsync(test, catalog, options.Timeout, time, ct).ConfigureAwait(false);
        TimeSpan duration = time.GetElapsedTime(t0);
        BaselineEntry? expected = baselines.For(test.Adapter.Name, test.Profile)?.For(test.Requirement.Id);
        Outcome outcome = OutcomeRules.Judge(check.Outcome, expected);
        string? message = check.Message;
        if (outcome == Outcome.UnexpectedPass)
            message = $"passed, but the baseline expects {expected!.Outcome.ToString().ToLowerInvariant()}" + (expected.Why is { } why ? $" ({why})" : "") + ": remove it from the baseline";
        return new TestResult(test, check.Outcome, outcome, message, check.Reproduction, expected, start, duration,
            RerunCommand(test, options, runSeed));
    }

    /// <summary>Runs one check; an exception or a time-out becomes a raw Error, never escapes.</summary>
    internal static async Task<CheckResult> RunCheckAsync(PlannedTest test, ISuiteCatalog catalog, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (catalog is IPreparedCatalog prepared)
        {
            try
            {
                await prepared.PrepareAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return new CheckResult(RawOutcome.Error, e is Hosting.AdapterHostException ? e.Message : $"{e.GetType().Name}: {e.Message}", test.Seed, null);
            }
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            Task<CheckResult> task = catalog.RunAsync(test.Adapter.Name, test.Requirement.Id, test.Check, test.Seed, limit.Token);
            return await task.WaitAsync(timeout, time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Tell the check (and a child host, which kills its process) to stop; an in-process check that ignores
            // the token keeps its thread, but the run moves on.
            await limit.CancelAsync().ConfigureAwait(false);
            return new CheckResult(RawOutcome.Error, $"timed out after {timeout.TotalSeconds:0.###} s", test.Seed, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            string why = e is Hosting.AdapterHostException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            return new CheckResult(RawOutcome.Error, why, test.Seed, null);
        }
    }

    private static string RerunCommand(PlannedTest test, RunOptions options, ulong runSeed)
    {
        var sb = new StringBuilder("conformance run --adapter ");
        sb.Append(options.AdapterAssembly is { } dll ? Quote(dll) + " --adapter " + test.Adapter.Name : test.Adapter.Name);
        if (options.Profile is { } p) sb.Append(" --profile ").Append(p);
        sb.Append(" --filter ").Append(test.Requirement.Id).Append(" --seed ").Append(Seeds.Format(runSeed));
        return sb.ToString();
    }

    private static string Quote(string s) => s.Contains(' ', StringComparison.Ordinal) ? $"\"{s}\"" : s;

    /// <summary>
    /// A run id every shard of the same run computes alike: a UUID (v8 layout) over the seed and the selection, but
    /// not the shard index.
    /// </summary>
    internal static string DeriveRunId(ulong seed, RunOptions options, IReadOnlyList<AdapterInfo> adapters)
    {
        string key = string.Create(CultureInfo.InvariantCulture,
            $"{seed:x16}\n{options.Filter}\n{options.Profile}\n{string.Join(',', adapters.Select(a => a.Name + "/" + a.Profile))}\n{options.Shard.Count}");
        byte[] h = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        h[6] = (byte)((h[6] & 0x0F) | 0x80); // version 8 (custom)
        h[8] = (byte)((h[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(h.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
