using System.Globalization;
using Conformance.Runner.Reports;

namespace Conformance.Runner.Cli;

/// <summary>
/// Progress as plain lines, for logs, redirected output and CI: a header with the seed (so any run can be repeated),
/// one line per test, the requirements-by-adapter matrix, then a summary.
/// </summary>
public sealed class PlainDisplay(TextWriter output) : IRunObserver
{
    public void RunStarting(RunHeader header)
    {
        output.WriteLine($"conformance run: seed {Seeds.Format(header.Seed)}, run id {header.RunId}, shard {header.Shard}, {header.Tests.Count} tests");
        foreach (Baseline b in header.Baselines) output.WriteLine($"baseline: {b.Source} ({b.Adapter}/{b.Profile}, {b.Expected.Count} expected)");
        foreach (string w in header.Warnings) output.WriteLine($"warning: {w}");
    }

    public void TestStarting(PlannedTest test, int index, int total)
    {
    }

    public void TestFinished(TestResult result, int index, int total)
    {
        int width = total.ToString(CultureInfo.InvariantCulture).Length;
        string n = (index + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width);
        var t = result.Test;
        string line = $"[{n}/{total}] {result.Outcome.Name(),-14} {t.Requirement.Id} {t.Check} on {t.Adapter.Name}/{t.Profile}";
        if (result.Outcome != Outcome.Pass && JunitReport.Reason(result) is { Length: > 0 } reason) line += $": {OneLine(reason)}";
        output.WriteLine(line);
    }

    public void RunFinished(RunResult run)
    {
        output.WriteLine();
        output.Write(Matrix.Of(run).ToText());
        output.WriteLine();
        foreach (TestResult t in run.Tests.Where(t => t.Outcome.FailsGate()))
        {
            output.WriteLine($"{t.Outcome.Name()}: {t.Test.Requirement.Id} {t.Test.Check} on {t.Test.Adapter.Name}/{t.Test.Profile} (seed {Seeds.Format(t.Seed)})");
            if (t.Message is { } m) output.WriteLine($"  {OneLine(m)}");
            if (t.Reproduction is { } r) output.WriteLine($"  reproduction: {OneLine(r)}");
            output.WriteLine($"  rerun: {t.Rerun}");
        }
        output.WriteLine($"{(run.ExitCode == 0 ? "PASS" : "FAIL")}: {run.Summary} (seed {Seeds.Format(run.Seed)})");
    }

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ⏎ ");
}
