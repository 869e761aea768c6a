using Conformance.Suite.Catalog;

namespace Conformance.Runner;

/// <summary>One executed test.</summary>
/// <param name="Raw">what the check said (or Error when the adapter threw, crashed or hung).</param>
/// <param name="Outcome">after the baseline.</param>
/// <param name="Rerun">the command line that repeats exactly this test.</param>
public sealed record TestResult(
    PlannedTest Test,
    RawOutcome Raw,
    Outcome Outcome,
    string? Message,
    string? Reproduction,
    BaselineEntry? Expected,
    DateTimeOffset Start,
    TimeSpan Duration,
    string Rerun)
{
    public ulong Seed => Test.Seed;
}

/// <summary>Everything a run did, enough to write every report and the matrix.</summary>
public sealed record RunResult(
    string RunId,
    ulong Seed,
    Shard Shard,
    string? Profile,
    RequirementFilter Filter,
    IReadOnlyList<AdapterInfo> Adapters,
    IReadOnlyList<RequirementInfo> Requirements,
    IReadOnlyList<TestResult> Tests,
    DateTimeOffset Start,
    DateTimeOffset Stop)
{
    /// <summary>0 when every outcome is Pass, NotSupported or ExpectedFail; 1 otherwise (formats.md §5).</summary>
    public int ExitCode => Tests.Any(t => t.Outcome.FailsGate()) ? 1 : 0;

    public int Count(Outcome outcome) => Tests.Count(t => t.Outcome == outcome);

    /// <summary>The matrix cell: the most urgent outcome of the requirement's checks on the adapter, or null if none ran.</summary>
    public Outcome? Cell(string requirementId, string adapterName)
    {
        Outcome? cell = null;
        foreach (TestResult t in Tests)
        {
            if (t.Test.Requirement.Id != requirementId || t.Test.Adapter.Name != adapterName) continue;
            if (cell is null || t.Outcome.Urgency() > cell.Value.Urgency()) cell = t.Outcome;
        }
        return cell;
    }

    /// <summary>Requirements that have at least one test in this run, in catalog order.</summary>
    public IReadOnlyList<RequirementInfo> RequirementsRun =>
        [.. Requirements.Where(r => Tests.Any(t => t.Test.Requirement.Id == r.Id))];

    public string Summary =>
        $"{Tests.Count} tests: {Count(Outcome.Pass)} passed, {Count(Outcome.Fail)} failed, {Count(Outcome.Error)} errors, "
        + $"{Count(Outcome.NotSupported)} not supported, {Count(Outcome.ExpectedFail)} expected failures, {Count(Outcome.UnexpectedPass)} unexpected passes";
}
