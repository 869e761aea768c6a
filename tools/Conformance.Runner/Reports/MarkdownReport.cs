using System.Text;

namespace Conformance.Runner.Reports;

/// <summary>
/// A Markdown summary for pull requests and CI step summaries: run identity, the requirements-by-adapter matrix,
/// then every failure with its seed, reproduction and rerun command, and the expected failures.
/// </summary>
public static class MarkdownReport
{
    public static string Render(RunResult run)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Conformance run").AppendLine();
        sb.AppendLine($"- run id: `{run.RunId}`");
        sb.AppendLine($"- seed: `{Seeds.Format(run.Seed)}`");
        sb.AppendLine($"- shard: `{run.Shard}`");
        sb.AppendLine($"- filter: `{run.Filter}`");
        if (run.Profile is { } p) sb.AppendLine($"- profile: `{p}`");
        sb.AppendLine($"- result: **{(run.ExitCode == 0 ? "PASS" : "FAIL")}** — {run.Summary}").AppendLine();

        sb.AppendLine("## Requirements by adapter").AppendLine();
        Matrix m = Matrix.Of(run);
        sb.AppendLine("| " + string.Join(" | ", m.Header.Select(Escape)) + " |");
        sb.AppendLine("|" + string.Concat(m.Header.Select(_ => "---|")));
        foreach (var row in m.Rows) sb.AppendLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
        sb.AppendLine();

        var failures = run.Tests.Where(t => t.Outcome.FailsGate()).ToList();
        sb.AppendLine("## Failures").AppendLine();
        if (failures.Count == 0) sb.AppendLine("None.").AppendLine();
        foreach (TestResult t in failures)
        {
            sb.AppendLine($"### {t.Outcome.Name()}: {Escape(t.Test.Requirement.Id)} `{t.Test.Check}` on {Escape(t.Test.Adapter.Name)}/{Escape(t.Test.Profile)}").AppendLine();
            sb.AppendLine($"{Escape(t.Test.Requirement.Level)} — {Escape(t.Test.Requirement.Title)}").AppendLine();
            if (t.Message is { } msg) sb.AppendLine(Fence(msg));
            sb.AppendLine($"- seed: `{Seeds.Format(t.Seed)}`");
            if (t.Reproduction is { } r) sb.AppendLine("- reproduction:").AppendLine().AppendLine(Fence(r));
            sb.AppendLine($"- rerun: `{t.Rerun}`").AppendLine();
        }

        var expected = run.Tests.Where(t => t.Outcome == Outcome.ExpectedFail).ToList();
        if (expected.Count > 0)
        {
            sb.AppendLine("## Expected failures (baseline)").AppendLine();
            foreach (TestResult t in expected)
                sb.AppendLine($"- {Escape(t.Test.Requirement.Id)} `{t.Test.Check}` on {Escape(t.Test.Adapter.Name)}/{Escape(t.Test.Profile)}: {Escape(t.Expected?.Why ?? "listed in the baseline")}");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static string Escape(string s) =>
        JunitReport.Clean(s).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
         .Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)
         .Replace("<", "&lt;", StringComparison.Ordinal);

    private static string Fence(string text)
    {
        text = JunitReport.Clean(text);
        string fence = "```";
        while (text.Contains(fence, StringComparison.Ordinal)) fence += "`";
        return $"{fence}text\n{text}\n{fence}\n";
    }
}
