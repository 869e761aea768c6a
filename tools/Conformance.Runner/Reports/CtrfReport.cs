using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conformance.Runner.Reports;

/// <summary>
/// Common Test Report Format (ctrf-io/ctrf, schema kept in <c>Schemas/ctrf.schema.json</c>). CTRF's five statuses lose
/// the kit's distinctions, so <c>rawStatus</c> carries the outcome (Pass, Fail, NotSupported, Error, ExpectedFail,
/// UnexpectedPass) and <c>labels</c> carry requirement, level, adapter, platform, profile and seed. The run id that all
/// shards share is in <c>extra.runId</c> (the schema has no top-level run id).
/// </summary>
public static class CtrfReport
{
    public const string SpecVersion = "1.0.0";

    public static string Render(RunResult run)
    {
        var tests = new JsonArray();
        foreach (TestResult t in run.Tests) tests.Add(Test(t));
        long start = run.Start.ToUnixTimeMilliseconds();
        long stop = run.Stop.ToUnixTimeMilliseconds();
        var root = new JsonObject
        {
            ["reportFormat"] = "CTRF",
            ["specVersion"] = SpecVersion,
            ["reportId"] = StableUuid($"report\n{run.RunId}\n{run.Shard}\n{run.Start.ToUnixTimeMilliseconds()}"),
            ["timestamp"] = run.Stop.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            ["generatedBy"] = "conformance run",
            ["results"] = new JsonObject
            {
                ["tool"] = new JsonObject { ["name"] = "conformance", ["version"] = ToolVersion() },
                ["summary"] = new JsonObject
                {
                    ["tests"] = run.Tests.Count,
                    ["passed"] = run.Tests.Count(t => Status(t.Outcome) == "passed"),
                    ["failed"] = run.Tests.Count(t => Status(t.Outcome) == "failed"),
                    ["skipped"] = run.Tests.Count(t => Status(t.Outcome) == "skipped"),
                    ["pending"] = 0,
                    ["other"] = 0,
                    ["suites"] = run.Tests.Select(t => (t.Test.Adapter.Name, t.Test.Profile)).Distinct().Count(),
                    ["start"] = start,
                    ["stop"] = stop,
                    ["duration"] = stop - start,
                },
                ["tests"] = tests,
                ["environment"] = new JsonObject
                {
                    ["reportName"] = "conformance run",
                    ["osPlatform"] = Environment.OSVersion.Platform.ToString(),
                    ["osVersion"] = Environment.OSVersion.VersionString,
                },
            },
            ["extra"] = new JsonObject
            {
                ["runId"] = run.RunId,
                ["seed"] = Seeds.Format(run.Seed),
                ["shard"] = run.Shard.ToString(),
                ["filter"] = run.Filter.ToString(),
                ["profile"] = run.Profile,
                ["exitCode"] = run.ExitCode,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>Pass → passed; NotSupported and ExpectedFail → skipped (as in xunit); Fail, Error, UnexpectedPass → failed.</summary>
    public static string Status(Outcome o) => o switch
    {
        Outcome.Pass => "passed",
        Outcome.NotSupported or Outcome.ExpectedFail => "skipped",
        _ => "failed",
    };

    private static JsonObject Test(TestResult t)
    {
        var r = t.Test.Requirement;
        var labels = new JsonObject
        {
            ["requirement"] = r.Id,
            ["level"] = r.Level,
            ["adapter"] = t.Test.Adapter.Name,
            ["platform"] = t.Test.Adapter.Platform,
            ["profile"] = t.Test.Profile,
            ["check"] = t.Test.Check,
            ["seed"] = Seeds.Format(t.Seed),
            ["outcome"] = t.Outcome.Name(),
        };
        if (r.Capabilities.Count > 0) labels["capabilities"] = new JsonArray([.. r.Capabilities.Select(c => (JsonNode)c)]);
        if (t.Expected is { } e) labels["baseline"] = e.Why ?? e.Outcome.ToString().ToLowerInvariant();
        long start = t.Start.ToUnixTimeMilliseconds();
        long duration = (long)t.Duration.TotalMilliseconds;
        var o = new JsonObject
        {
            ["id"] = StableUuid("test\n" + t.Test.Identity.Key),
            ["name"] = $"{r.Id} {t.Test.Check} [{t.Test.Adapter.Name}/{t.Test.Profile}]",
            ["status"] = Status(t.Outcome),
            ["rawStatus"] = t.Outcome.Name(),
            ["duration"] = duration,
            ["start"] = start,
            ["stop"] = start + duration,
            ["suite"] = new JsonArray(t.Test.Adapter.Name, t.Test.Profile, r.Id),
            ["type"] = "conformance",
            ["tags"] = new JsonArray([.. r.Capabilities.Prepend(r.Level).Select(c => (JsonNode)c)]),
            ["labels"] = labels,
            ["parameters"] = new JsonObject { ["seed"] = Seeds.Format(t.Seed) },
        };
        if (t.Outcome != Outcome.Pass) o["message"] = t.Outcome.Name() + ": " + JunitReport.Reason(t);
        if (t.Outcome.FailsGate()) o["trace"] = JunitReport.Detail(t);
        return o;
    }

    /// <summary>A name-based UUID (v8 layout over SHA-256), the same for the same test in every shard and run.</summary>
    internal static string StableUuid(string name)
    {
        byte[] h = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        h[6] = (byte)((h[6] & 0x0F) | 0x80);
        h[8] = (byte)((h[8] & 0x3F) | 0x80);
        return new Guid(h.AsSpan(0, 16), bigEndian: true).ToString();
    }

    private static string ToolVersion() =>
        typeof(CtrfReport).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
