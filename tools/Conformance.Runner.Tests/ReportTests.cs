using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Conformance.Runner.Reports;
using Json.Schema;

namespace Conformance.Runner.Tests;

public class ReportTests
{
    private static readonly Lazy<JsonSchema> CtrfSchema = new(() =>
    {
        using Stream s = typeof(CtrfReport).Assembly.GetManifestResourceStream("Conformance.Runner.Schemas.ctrf.schema.json")!;
        return JsonSchema.FromText(new StreamReader(s).ReadToEnd());
    });

    /// <summary>A run with every outcome: Pass, Fail, NotSupported, Error, ExpectedFail and UnexpectedPass.</summary>
    private static async Task<RunResult> EveryOutcomeAsync()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("b.json", """
            { "adapter": "noiommu", "profile": "default",
              "expected": { "DMA-002": { "outcome": "fail", "why": "no IOMMU: DMA reaches all memory" },
                            "DMA-001": { "outcome": "fail", "why": "was broken once" } } }
            """);
        FakeCatalog kit = Runs.Kit()
            .Requirement("ERR-001").Behave("noiommu", "ERR-001", Behavior.Throw)
            .Requirement("ODD-001").Behave("noiommu", "ODD-001", Behavior.FailOddly);
        return await Runs.ExecuteAsync(kit, new RunOptions { Seed = 0x5eed, BaselinePaths = [baseline] });
    }

    [Fact]
    public async Task The_test_run_has_every_outcome()
    {
        RunResult run = await EveryOutcomeAsync();
        Assert.Equal(Enum.GetValues<Outcome>().Order(), run.Tests.Select(t => t.Outcome).Distinct().Order());
    }

    [Fact]
    public async Task JUnit_is_well_formed_and_maps_outcomes_as_xunit_does()
    {
        RunResult run = await EveryOutcomeAsync();
        XDocument doc = XDocument.Parse(JunitReport.Render(run));
        XElement root = doc.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        var cases = root.Descendants("testcase").ToList();
        Assert.Equal(run.Tests.Count, cases.Count);
        Assert.Equal(run.Tests.Count, (int)root.Attribute("tests")!);
        Assert.Equal(cases.Count(c => c.Element("failure") is not null), (int)root.Attribute("failures")!);
        Assert.Equal(cases.Count(c => c.Element("error") is not null), (int)root.Attribute("errors")!);
        Assert.Equal(cases.Count(c => c.Element("skipped") is not null), (int)root.Attribute("skipped")!);
        Assert.All(root.Elements("testsuite"), s => Assert.Equal(s.Elements("testcase").Count(), (int)s.Attribute("tests")!));

        for (int i = 0; i < run.Tests.Count; i++)
        {
            TestResult t = run.Tests[i];
            XElement c = cases[i];
            string? skipped = (string?)c.Element("skipped")?.Attribute("message");
            switch (t.Outcome)
            {
                case Outcome.Pass:
                    Assert.Null(c.Element("failure") ?? c.Element("error") ?? c.Element("skipped"));
                    break;
                case Outcome.NotSupported:
                case Outcome.ExpectedFail:
                    Assert.StartsWith(t.Outcome.Name() + ": ", skipped, StringComparison.Ordinal);
                    break;
                case Outcome.Fail:
                case Outcome.UnexpectedPass:
                    Assert.Equal(t.Outcome.Name(), (string?)c.Element("failure")?.Attribute("type"));
                    Assert.Contains(Seeds.Format(t.Seed), c.Element("failure")!.Value, StringComparison.Ordinal);
                    break;
                case Outcome.Error:
                    Assert.StartsWith("Error: ", (string?)c.Element("error")?.Attribute("message"), StringComparison.Ordinal);
                    break;
            }
            Assert.Equal(t.Test.Requirement.Id, (string?)c.Descendants("property").Single(p => (string?)p.Attribute("name") == "requirement").Attribute("value"));
        }
        Assert.Contains("no IOMMU: DMA reaches all memory", JunitReport.Render(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CTRF_validates_against_the_kept_schema_and_keeps_the_kits_outcomes()
    {
        RunResult run = await EveryOutcomeAsync();
        string text = CtrfReport.Render(run);
        using JsonDocument doc = JsonDocument.Parse(text);
        EvaluationResults results = CtrfSchema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        Assert.True(results.IsValid, string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        JsonNode root = JsonNode.Parse(text)!;
        var tests = root["results"]!["tests"]!.AsArray();
        Assert.Equal(run.Tests.Count, tests.Count);
        Assert.Equal(run.RunId, (string?)root["extra"]!["runId"]);
        var summary = root["results"]!["summary"]!;
        Assert.Equal(run.Tests.Count, (int)summary["passed"]! + (int)summary["failed"]! + (int)summary["skipped"]!);
        for (int i = 0; i < run.Tests.Count; i++)
        {
            TestResult t = run.Tests[i];
            JsonNode n = tests[i]!;
            Assert.Equal(t.Outcome.Name(), (string?)n["rawStatus"]);
            Assert.Equal(CtrfReport.Status(t.Outcome), (string?)n["status"]);
            var labels = n["labels"]!;
            Assert.Equal(t.Test.Requirement.Id, (string?)labels["requirement"]);
            Assert.Equal(t.Test.Requirement.Level, (string?)labels["level"]);
            Assert.Equal(t.Test.Adapter.Name, (string?)labels["adapter"]);
            Assert.Equal(t.Test.Profile, (string?)labels["profile"]);
            Assert.Equal(Seeds.Format(t.Seed), (string?)labels["seed"]);
        }
        Assert.Equal(tests.Count, tests.Select(t => (string?)t!["id"]).Distinct().Count());
    }

    [Theory]
    [InlineData("status", "broken")]
    [InlineData("id", "not-a-uuid")]
    [InlineData("flavour", "extra field")]
    public async Task The_kept_CTRF_schema_rejects_a_broken_report(string field, string value)
    {
        RunResult run = await EveryOutcomeAsync();
        JsonNode root = JsonNode.Parse(CtrfReport.Render(run))!;
        root["results"]!["tests"]![0]![field] = value;
        using JsonDocument doc = JsonDocument.Parse(root.ToJsonString());
        Assert.False(CtrfSchema.Value.Evaluate(doc.RootElement, new EvaluationOptions { RequireFormatValidation = true }).IsValid);
    }

    [Fact]
    public async Task Markdown_has_the_matrix_and_every_failure_with_seed_reproduction_and_rerun()
    {
        RunResult run = await EveryOutcomeAsync();
        string md = MarkdownReport.Render(run);
        Assert.Contains("| Requirement | Level | vtd | noiommu |", md, StringComparison.Ordinal);
        Assert.Contains("| DMA-002 | MUST | Pass | ExpectedFail |", md, StringComparison.Ordinal);
        Assert.Contains("| VTD-001 | MUST | Pass | - |", md, StringComparison.Ordinal);
        foreach (TestResult t in run.Tests.Where(t => t.Outcome.FailsGate()))
        {
            Assert.Contains(Seeds.Format(t.Seed), md, StringComparison.Ordinal);
            Assert.Contains(t.Rerun, md, StringComparison.Ordinal);
        }
        Assert.Contains("step 1\n```\nstep 2", md, StringComparison.Ordinal);
        Assert.Contains("no IOMMU: DMA reaches all memory", md, StringComparison.Ordinal);
        // A message with a code fence inside cannot close the report's fence early.
        Assert.Contains("````text", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HTML_is_one_well_formed_self_contained_page()
    {
        RunResult run = await EveryOutcomeAsync();
        string html = HtmlReport.Render(run);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        XDocument doc = XDocument.Parse(html["<!DOCTYPE html>".Length..]);
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "script" or "link" or "img" or "iframe");
        Assert.DoesNotContain(doc.Descendants().Attributes(), a => a.Name.LocalName is "src" or "href");
        Assert.Equal(run.RequirementsRun.Count + 1, doc.Descendants("tr").Count());
        foreach (TestResult t in run.Tests.Where(t => t.Outcome.FailsGate()))
            Assert.Contains(Seeds.Format(t.Seed), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_are_written_whole_and_only_after_the_run()
    {
        using var dir = new TempDir();
        var targets = new[] { ReportFormat.Junit, ReportFormat.Ctrf, ReportFormat.Md, ReportFormat.Html }
            .Select(f => new ReportTarget(f, dir.File("r." + f))).ToList();
        var observer = new RecordingObserver();
        var probe = new FileProbe(targets.Select(t => t.Path).ToList());
        RunResult run = await ConformanceRun.ExecuteAsync(new RunOptions { Seed = 3, Reports = targets }, Runs.Kit(), probe,
            ct: TestContext.Current.CancellationToken);
        Assert.False(probe.SawAnyDuringRun);
        foreach (ReportTarget t in targets) Assert.Equal(ReportWriter.Render(t.Format, run), File.ReadAllText(t.Path));
        Assert.Equal(targets.Count, Directory.GetFiles(dir.Path).Length); // no scratch files left behind
    }

    [Fact]
    public void A_report_path_in_a_missing_folder_or_named_twice_is_rejected_before_the_run()
    {
        using var dir = new TempDir();
        string file = dir.Write("plain.txt", "x");
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() =>
            ReportWriter.Validate([new ReportTarget(ReportFormat.Junit, Path.Combine(dir.Path, "nope", "r.xml"))])).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<UsageException>(() =>
            ReportWriter.Validate([new ReportTarget(ReportFormat.Junit, Path.Combine(file, "r.xml"))])).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Assert.Throws<UsageException>(() =>
            ReportWriter.Validate([new ReportTarget(ReportFormat.Junit, dir.File("r")), new ReportTarget(ReportFormat.Md, dir.File("r"))])).Message, StringComparison.Ordinal);
        Assert.Contains("directory", Assert.Throws<UsageException>(() =>
            ReportWriter.Validate([new ReportTarget(ReportFormat.Html, dir.Path)])).Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task The_matrix_shows_the_most_urgent_outcome_of_a_requirements_checks()
    {
        FakeCatalog kit = new FakeCatalog().Adapter("a").Requirement("R-001", "x", "y").Behave("a", "R-001", Behavior.Pass);
        RunResult pass = await Runs.ExecuteAsync(kit, new RunOptions { Seed = 1 });
        Assert.Equal(Outcome.Pass, pass.Cell("R-001", "a"));
        FakeCatalog mixed = new FakeCatalog().Adapter("a").Adapter("b").Requirement("R-001", "x").Requirement("R-002", "y")
            .Behave("a", "R-002", Behavior.Throw).Behave("b", "R-001", Behavior.NotSupported);
        RunResult run = await Runs.ExecuteAsync(mixed, new RunOptions { Seed = 1 });
        Matrix m = Matrix.Of(run);
        Assert.Equal(["Requirement", "Level", "a", "b"], m.Header);
        Assert.Equal(["R-001", "MUST", "Pass", "NotSupported"], m.Rows[0]);
        Assert.Equal(["R-002", "MUST", "Error", "Pass"], m.Rows[1]);
    }

    /// <summary>Checks, as each test finishes, that no report file exists yet.</summary>
    private sealed class FileProbe(IReadOnlyList<string> paths) : IRunObserver
    {
        public bool SawAnyDuringRun { get; private set; }
        public void RunStarting(RunHeader header) => Look();
        public void TestStarting(PlannedTest test, int index, int total) => Look();
        public void TestFinished(TestResult result, int index, int total) => Look();
        public void RunFinished(RunResult run) { }
        private void Look() => SawAnyDuringRun |= paths.Any(File.Exists);
    }
}
