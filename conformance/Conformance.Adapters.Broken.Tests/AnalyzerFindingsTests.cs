using System.Reflection;
using System.Text.Json;

namespace Conformance.Adapters.Broken.Tests;

/// <summary>
/// What the policy analyzer reported in the normal build of the broken project, read from the SARIF log that build
/// wrote (<c>ErrorLog</c> in its project file): per variant file exactly the rule IDs the variant expects, none for
/// the statically invisible ones, and no policy finding anywhere else in the project.
/// </summary>
public sealed class AnalyzerFindingsTests
{
    private static readonly string[] RuleIds = ["DAK001", "DAK002", "DAK003", "DAK004", "DAK005", "DAK006", "DAK007"];

    private static string Metadata(string key) =>
        typeof(AnalyzerFindingsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string Sources => Metadata("BrokenVariantsSources");

    /// <summary>One policy finding: rule, file (relative to the project), line.</summary>
    private sealed record Finding(string RuleId, string File, int Line);

    private sealed record Log(IReadOnlyList<Finding> Findings, IReadOnlySet<string> KnownRules);

    private static Log Read()
    {
        string path = Metadata("BrokenVariantsSarif");
        if (!File.Exists(path))
            Assert.Fail($"The broken project's build wrote no SARIF log at {path}. It is written by the normal build of " +
                        "adapters/Conformance.Adapters.Broken (<ErrorLog> in its project file); build that project (this test project references it) and run again.");
        var newestSource = Directory.EnumerateFiles(Sources, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Max(File.GetLastWriteTimeUtc);
        Assert.True(File.GetLastWriteTimeUtc(path) >= newestSource, $"{path} is older than a variant source: it is not the log of the current build");

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var run = doc.RootElement.GetProperty("runs")[0];
        var known = run.GetProperty("tool").GetProperty("driver").TryGetProperty("rules", out var rules)
            ? rules.EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        var findings = new List<Finding>();
        foreach (var r in run.GetProperty("results").EnumerateArray())
        {
            string id = r.GetProperty("ruleId").GetString()!;
            if (!id.StartsWith("DAK", StringComparison.Ordinal)) continue;
            if (r.TryGetProperty("suppressions", out var s) && s.GetArrayLength() > 0) continue;
            var loc = r.GetProperty("locations")[0].GetProperty("physicalLocation");
            string file = new Uri(loc.GetProperty("artifactLocation").GetProperty("uri").GetString()!).LocalPath;
            findings.Add(new Finding(id, Path.GetRelativePath(Sources, file), loc.GetProperty("region").GetProperty("startLine").GetInt32()));
        }
        return new Log(findings, known);
    }

    private static string FileOf(Variant v)
    {
        var files = Directory.EnumerateFiles(Sources, v.Name + ".cs", SearchOption.AllDirectories).ToList();
        Assert.True(files.Count == 1, $"{v.Name}: expected one file {v.Name}.cs in the broken project, found {files.Count}");
        Assert.Contains($"class {v.Name} ", File.ReadAllText(files[0]), StringComparison.Ordinal);
        return Path.GetRelativePath(Sources, files[0]);
    }

    [Fact]
    public void The_build_ran_every_policy_rule_over_the_broken_project_as_warnings()
    {
        var log = Read();
        Assert.All(RuleIds, id => Assert.Contains(id, log.KnownRules));
        string sarif = File.ReadAllText(Metadata("BrokenVariantsSarif"));
        using var doc = JsonDocument.Parse(sarif);
        foreach (var r in doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray())
        {
            if (r.GetProperty("ruleId").GetString()!.StartsWith("DAK", StringComparison.Ordinal))
                Assert.Equal("warning", r.GetProperty("level").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Variants.Names), MemberType = typeof(Variants))]
    public void The_build_reports_exactly_the_rules_a_variant_expects_in_its_file(string variant)
    {
        var v = Variants.Named(variant);
        string file = FileOf(v);
        var reported = Read().Findings.Where(f => f.File == file).ToList();
        var ids = reported.Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal).ToList();
        string detail = string.Join("; ", reported.Select(f => $"{f.RuleId} at line {f.Line}"));
        if (v.Invisible is { } invisible)
        {
            Assert.False(string.IsNullOrWhiteSpace(invisible.Reason), $"{variant}: say why no static rule can see it");
            Assert.True(ids.Count == 0, $"{variant} is marked statically invisible, but the build reported {detail}");
        }
        else
        {
            Assert.True(v.ExpectedIds.SequenceEqual(ids), $"{variant} expects {string.Join(", ", v.ExpectedIds)}; the build reported {(detail.Length == 0 ? "nothing" : detail)}");
        }
    }

    [Fact]
    public void No_policy_rule_fires_outside_the_variant_files()
    {
        var variantFiles = Variants.All.Select(FileOf).ToHashSet(StringComparer.Ordinal);
        var stray = Read().Findings.Where(f => !variantFiles.Contains(f.File)).ToList();
        Assert.True(stray.Count == 0, "policy findings outside the variants: " + string.Join("; ", stray.Select(f => $"{f.RuleId} {f.File}:{f.Line}")));
    }

    [Fact]
    public void Every_rule_the_broken_project_can_show_is_shown_by_some_variant()
    {
        var shown = Variants.All.SelectMany(v => v.ExpectedIds).ToHashSet(StringComparer.Ordinal);
        // DAK006 (model internals) has no variant: a defect through reflection into the model is not one of a
        // requirement's, and the suite passes it by construction (docs/rules/README.md, "Broken variants").
        Assert.Equal(RuleIds.Where(id => id != "DAK006"), shown.Order(StringComparer.Ordinal));
    }
}
