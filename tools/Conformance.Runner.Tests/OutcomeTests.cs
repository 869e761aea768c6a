using Conformance.Reference.Text;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Tests;

public class OutcomeTests
{
    public static TheoryData<RawOutcome, ExpectedOutcome?, Outcome, bool> Table => new()
    {
        { RawOutcome.Pass, null, Outcome.Pass, false },
        { RawOutcome.Fail, null, Outcome.Fail, true },
        { RawOutcome.NotSupported, null, Outcome.NotSupported, false },
        { RawOutcome.Error, null, Outcome.Error, true },
        { RawOutcome.Fail, ExpectedOutcome.Fail, Outcome.ExpectedFail, false },
        { RawOutcome.Pass, ExpectedOutcome.Fail, Outcome.UnexpectedPass, true },
        { RawOutcome.Error, ExpectedOutcome.Fail, Outcome.Error, true },
        { RawOutcome.Error, ExpectedOutcome.Error, Outcome.ExpectedFail, false },
        { RawOutcome.Fail, ExpectedOutcome.Error, Outcome.Fail, true },
        { RawOutcome.NotSupported, ExpectedOutcome.Fail, Outcome.NotSupported, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void The_baseline_turns_raw_outcomes_into_gate_outcomes(RawOutcome raw, ExpectedOutcome? expected, Outcome outcome, bool failsGate)
    {
        BaselineEntry? entry = expected is { } e ? new BaselineEntry("DMA-002", e, "why") : null;
        Assert.Equal(outcome, OutcomeRules.Judge(raw, entry));
        Assert.Equal(failsGate, outcome.FailsGate());
    }

    [Fact]
    public async Task A_known_failure_in_the_baseline_is_ExpectedFail_and_the_run_exits_0()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("noiommu.default.json", Runs.NoiommuBaseline);
        RunResult run = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 1, BaselinePaths = [baseline] });

        var dma2 = run.Tests.Where(t => t.Test.Adapter.Name == "noiommu" && t.Test.Requirement.Id == "DMA-002").ToList();
        Assert.Equal(2, dma2.Count);
        Assert.All(dma2, t => Assert.Equal(Outcome.ExpectedFail, t.Outcome));
        Assert.All(dma2, t => Assert.Equal("no IOMMU: DMA reaches all memory", t.Expected?.Why));
        // The same requirement on another adapter is not covered by noiommu's baseline.
        Assert.All(run.Tests.Where(t => t.Test.Adapter.Name == "vtd"), t => Assert.Equal(Outcome.Pass, t.Outcome));
        Assert.Equal(Outcome.NotSupported, run.Cell("MSI-009", "noiommu"));
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task Without_the_baseline_the_same_failure_is_a_new_Fail_and_the_run_exits_1()
    {
        RunResult run = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 1 });
        Assert.Equal(Outcome.Fail, run.Cell("DMA-002", "noiommu"));
        Assert.Equal(1, run.ExitCode);
    }

    [Fact]
    public async Task A_fixed_failure_still_in_the_baseline_is_UnexpectedPass_and_fails_the_gate()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("b.json", Runs.NoiommuBaseline);
        FakeCatalog fixedKit = Runs.Kit().Behave("noiommu", "DMA-002", Behavior.Pass);
        RunResult run = await Runs.ExecuteAsync(fixedKit, new RunOptions { Seed = 1, BaselinePaths = [baseline] });

        TestResult t = run.Tests.First(t => t.Test.Adapter.Name == "noiommu" && t.Test.Requirement.Id == "DMA-002");
        Assert.Equal(Outcome.UnexpectedPass, t.Outcome);
        Assert.Contains("remove it from the baseline", t.Message, StringComparison.Ordinal);
        Assert.Equal(1, run.ExitCode);
    }

    [Fact]
    public async Task A_baseline_applies_only_to_its_own_profile()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("b.json", Runs.NoiommuBaseline.Replace("\"default\"", "\"strict\"", StringComparison.Ordinal));
        var observer = new RecordingObserver();
        RunResult run = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 1, BaselinePaths = [baseline] }, observer);
        Assert.Equal(Outcome.Fail, run.Cell("DMA-002", "noiommu"));
        Assert.Contains(observer.Header!.Warnings, w => w.Contains("matches no adapter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_in_process_check_that_throws_or_hangs_is_an_Error_and_the_run_goes_on()
    {
        FakeCatalog kit = new FakeCatalog().Adapter("a")
            .Requirement("X-001").Requirement("X-002").Requirement("X-003")
            .Behave("a", "X-001", Behavior.Throw)
            .Behave("a", "X-002", Behavior.Hang);
        var started = DateTime.UtcNow;
        RunResult run = await Runs.ExecuteAsync(kit, new RunOptions { Seed = 1, Timeout = TimeSpan.FromMilliseconds(300) });

        Assert.Equal([Outcome.Error, Outcome.Error, Outcome.Pass], run.Tests.Select(t => t.Outcome));
        Assert.Equal("InvalidOperationException: the adapter threw", run.Tests[0].Message);
        Assert.StartsWith("timed out after 0.3 s", run.Tests[1].Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal(1, run.ExitCode);
    }

    [Theory]
    [InlineData("""{ "adapter": "a", "profile": "p", "expected": { "DMA-1": { "outcome": "flaky" } } }""", 1, 71, "outcome \"flaky\"")]
    [InlineData("""{ "adapter": "a", "profile": "p", "expectd": {} }""", 1, 35, "expectd")]
    [InlineData("{ \"adapter\": \"a\",\n  \"profile\": 7,\n  \"expected\": {} }", 2, 14, "expected a string")]
    [InlineData("{ \"adapter\": \"a\", \"profile\": \"p\",\n  \"expected\": { \"DMA-1\": { \"outcome\": \"fail\" },\n                \"DMA-1\": { \"outcome\": \"fail\" } } }", 3, 17, "DMA-1")]
    [InlineData("{ \"adapter\": \"a\", \"profile\": \"p\", \"expected\": { \"DMA-1\": { \"outcome\": \"fail\", } } }", 1, 0, "")]
    public void A_malformed_baseline_is_rejected_with_its_file_line_and_column(string text, int line, int column, string detail)
    {
        var e = Assert.Throws<InputException>(() => Baseline.Parse(text, "known.json"));
        Assert.Equal("known.json", e.File);
        Assert.Equal(line, e.Line);
        if (column > 0) Assert.Equal(column, e.Column);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"known.json:{e.Line}:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_baseline_reads_outcome_and_why_per_requirement()
    {
        Baseline b = Baseline.Parse(Runs.NoiommuBaseline, "b.json");
        Assert.Equal(("noiommu", "default"), (b.Adapter, b.Profile));
        Assert.Equal(new BaselineEntry("DMA-002", ExpectedOutcome.Fail, "no IOMMU: DMA reaches all memory"), b.For("DMA-002"));
        Assert.Null(b.For("DMA-001"));
    }
}

internal sealed class RecordingObserver : IRunObserver
{
    public RunHeader? Header { get; private set; }
    public List<string> Events { get; } = [];

    public void RunStarting(RunHeader header)
    {
        Header = header;
        Events.Add("start");
    }

    public void TestStarting(PlannedTest test, int index, int total) => Events.Add($"begin {index}/{total} {test.Identity}");

    public void TestFinished(TestResult result, int index, int total) => Events.Add($"end {index}/{total} {result.Outcome}");

    public void RunFinished(RunResult run) => Events.Add("finish");
}
