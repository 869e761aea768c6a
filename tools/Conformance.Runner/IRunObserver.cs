namespace Conformance.Runner;

/// <summary>What a run has decided before its first test.</summary>
public sealed record RunHeader(string RunId, ulong Seed, Shard Shard, IReadOnlyList<PlannedTest> Tests, IReadOnlyList<Baseline> Baselines, IReadOnlyList<string> Warnings);

/// <summary>Follows a run as it goes (the progress display). Calls arrive in order, one test at a time.</summary>
public interface IRunObserver
{
    void RunStarting(RunHeader header);
    void TestStarting(PlannedTest test, int index, int total);
    void TestFinished(TestResult result, int index, int total);
    void RunFinished(RunResult run);
}
