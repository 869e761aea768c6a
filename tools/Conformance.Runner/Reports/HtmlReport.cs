using System.Text;

namespace Conformance.Runner.Reports;

/// <summary>
/// A single self-contained HTML page (inline style, no scripts, no external resources): matrix and failures. Written
/// as well-formed XHTML-compatible markup so any XML tool can read it too.
/// </summary>
public static class HtmlReport
{
    public static string Render(RunResult run)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<title>Conformance run ")
          .Append(Encode(run.RunId)).Append("</title>\n<style>\n")
          .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
          .Append("th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f4f4f4}")
          .Append(".Pass{background:#d9f2d9}.Fail,.Error,.UnexpectedPass{background:#f8d0d0}")
          .Append(".ExpectedFail{background:#fbeccb}.NotSupported{background:#e8e8e8}pre{background:#f7f7f7;padding:.5em;overflow:auto}\n")
          .Append("</style>\n</head>\n<body>\n");
        sb.Append("<h1>Conformance run</h1>\n<ul>\n");
        Item(sb, "run id", run.RunId);
        Item(sb, "seed", Seeds.Format(run.Seed));
        Item(sb, "shard", run.Shard.ToString());
        Item(sb, "filter", run.Filter.ToString());
        if (run.Profile is { } p) Item(sb, "profile", p);
        Item(sb, "result", (run.ExitCode == 0 ? "PASS — " : "FAIL — ") + run.Summary);
        sb.Append("</ul>\n<h2>Requirements by adapter</h2>\n<table>\n<tr>");
        Matrix m = Matrix.Of(run);
        foreach (string h in m.Header) sb.Append("<th>").Append(Encode(h)).Append("</th>");
        sb.Append("</tr>\n");
        for (int i = 0; i < m.Rows.Count; i++)
        {
            sb.Append("<tr>");
            var row = m.Rows[i];
            for (int c = 0; c < row.Count; c++)
            {
                Outcome? o = c >= 2 ? m.Cells[i][c - 2] : null;
                sb.Append(o is { } oc ? $"<td class=\"{oc.Name()}\">" : "<td>").Append(Encode(row[c])).Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n<h2>Failures</h2>\n");
        var failures = run.Tests.Where(t => t.Outcome.FailsGate()).ToList();
        if (failures.Count == 0) sb.Append("<p>None.</p>\n");
        foreach (TestResult t in failures)
        {
            sb.Append("<h3 class=\"").Append(t.Outcome.Name()).Append("\">")
              .Append(Encode($"{t.Outcome.Name()}: {t.Test.Requirement.Id} {t.Test.Check} on {t.Test.Adapter.Name}/{t.Test.Profile}"))
              .Append("</h3>\n<pre>").Append(Encode(JunitReport.Detail(t))).Append("</pre>\n");
        }
        var expected = run.Tests.Where(t => t.Outcome == Outcome.ExpectedFail).ToList();
        if (expected.Count > 0)
        {
            sb.Append("<h2>Expected failures (baseline)</h2>\n<ul>\n");
            foreach (TestResult t in expected)
                Item(sb, $"{t.Test.Requirement.Id} {t.Test.Check} on {t.Test.Adapter.Name}/{t.Test.Profile}", t.Expected?.Why ?? "listed in the baseline");
            sb.Append("</ul>\n");
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>HTML-escapes, dropping characters no HTML or XML document may contain (an adapter's message may hold any).</summary>
    private static string Encode(string s) => System.Net.WebUtility.HtmlEncode(JunitReport.Clean(s));

    private static void Item(StringBuilder sb, string name, string value) =>
        sb.Append("<li><b>").Append(Encode(name)).Append(":</b> ").Append(Encode(value)).Append("</li>\n");
}
