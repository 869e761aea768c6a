namespace Conformance.Runner.Reports;

/// <summary>The requirements-by-adapter table every output ends with: one row per requirement run, one column per adapter.</summary>
public sealed record Matrix(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<IReadOnlyList<Outcome?>> Cells)
{
    /// <summary>Shown where an adapter ran no check of the requirement (another platform, or another shard).</summary>
    public const string Empty = "-";

    public static Matrix Of(RunResult run)
    {
        var adapters = run.Adapters.Where(a => run.Tests.Any(t => t.Test.Adapter.Name == a.Name)).ToList();
        var header = new List<string> { "Requirement", "Level" };
        header.AddRange(adapters.Select(a => a.Name));
        var rows = new List<IReadOnlyList<string>>();
        var cells = new List<IReadOnlyList<Outcome?>>();
        foreach (var r in run.RequirementsRun)
        {
            var outcomes = adapters.Select(a => run.Cell(r.Id, a.Name)).ToList();
            var row = new List<string> { r.Id, r.Level };
            row.AddRange(outcomes.Select(o => o?.Name() ?? Empty));
            rows.Add(row);
            cells.Add(outcomes);
        }
        return new Matrix(header, rows, cells);
    }

    /// <summary>Fixed-width text, for logs and redirected output.</summary>
    public string ToText()
    {
        int[] widths = new int[Header.Count];
        foreach (var line in Rows.Prepend(Header))
        {
            for (int i = 0; i < line.Count; i++) widths[i] = Math.Max(widths[i], line[i].Length);
        }
        var sb = new System.Text.StringBuilder();
        void Line(IReadOnlyList<string> cols) =>
            sb.AppendLine(string.Join("  ", cols.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        Line(Header);
        Line([.. widths.Select(w => new string('-', w))]);
        foreach (var row in Rows) Line(row);
        return sb.ToString();
    }
}
