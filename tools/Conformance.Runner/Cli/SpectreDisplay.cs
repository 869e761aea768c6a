using Conformance.Runner.Reports;
using Spectre.Console;

namespace Conformance.Runner.Cli;

/// <summary>The interactive display: a live progress bar, a line per test that did not pass, and the matrix as a table.</summary>
public sealed class SpectreDisplay(IAnsiConsole console, ProgressTask task) : IRunObserver
{
    public void RunStarting(RunHeader header)
    {
        console.MarkupLine($"[bold]conformance run[/]: seed [yellow]{Seeds.Format(header.Seed)}[/], run id {header.RunId}, shard {header.Shard}, {header.Tests.Count} tests");
        foreach (string w in header.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        task.MaxValue = Math.Max(1, header.Tests.Count);
    }

    public void TestStarting(PlannedTest test, int index, int total) =>
        task.Description = Markup.Escape($"{test.Requirement.Id} {test.Check} on {test.Adapter.Name}");

    public void TestFinished(TestResult result, int index, int total)
    {
        task.Increment(1);
        if (result.Outcome is Outcome.Pass) return;
        var t = result.Test;
        console.MarkupLine($"[{Color(result.Outcome)}]{result.Outcome.Name()}[/] {Markup.Escape($"{t.Requirement.Id} {t.Check} on {t.Adapter.Name}/{t.Profile}: {PlainDisplay.OneLine(JunitReport.Reason(result))}")}");
    }

    public void RunFinished(RunResult run)
    {
    }

    /// <summary>The matrix and the closing summary, after the progress display is gone.</summary>
    public static void Summarize(IAnsiConsole console, RunResult run)
    {
        Matrix m = Matrix.Of(run);
        var table = new Table().Border(TableBorder.Rounded).Title("requirements by adapter");
        foreach (string h in m.Header) table.AddColumn(Markup.Escape(h));
        for (int i = 0; i < m.Rows.Count; i++)
        {
            var row = m.Rows[i];
            var cells = new List<string> { Markup.Escape(row[0]), Markup.Escape(row[1]) };
            cells.AddRange(m.Cells[i].Select(o => o is { } oc ? $"[{Color(oc)}]{oc.Name()}[/]" : Matrix.Empty));
            table.AddRow([.. cells]);
        }
        console.Write(table);
        foreach (TestResult t in run.Tests.Where(t => t.Outcome.FailsGate()))
        {
            console.MarkupLine($"[{Color(t.Outcome)}]{t.Outcome.Name()}[/]: {Markup.Escape($"{t.Test.Requirement.Id} {t.Test.Check} on {t.Test.Adapter.Name}/{t.Test.Profile} (seed {Seeds.Format(t.Seed)})")}");
            if (t.Message is { } msg) console.WriteLine("  " + PlainDisplay.OneLine(msg));
            if (t.Reproduction is { } r) console.WriteLine("  reproduction: " + PlainDisplay.OneLine(r));
            console.WriteLine("  rerun: " + t.Rerun);
        }
        console.MarkupLine($"[{(run.ExitCode == 0 ? "green" : "red")}]{(run.ExitCode == 0 ? "PASS" : "FAIL")}[/]: {Markup.Escape(run.Summary)} (seed {Seeds.Format(run.Seed)})");
    }

    private static string Color(Outcome o) => o switch
    {
        Outcome.Pass => "green",
        Outcome.NotSupported => "grey",
        Outcome.ExpectedFail => "yellow",
        _ => "red",
    };
}
