using System.Globalization;
using System.Xml.Linq;

namespace Conformance.Runner.Reports;

/// <summary>
/// JUnit XML: one <c>testsuite</c> per adapter and profile, one <c>testcase</c> per check. The xunit mapping of
/// formats.md §5: NotSupported and ExpectedFail are <c>&lt;skipped message="NotSupported: ..."/&gt;</c>; Fail and
/// UnexpectedPass are <c>&lt;failure&gt;</c>; Error is <c>&lt;error&gt;</c>.
/// </summary>
public static class JunitReport
{
    public static string Render(RunResult run)
    {
        var root = new XElement("testsuites",
            new XAttribute("name", "conformance run"),
            new XAttribute("tests", run.Tests.Count),
            new XAttribute("failures", run.Tests.Count(t => t.Outcome is Outcome.Fail or Outcome.UnexpectedPass)),
            new XAttribute("errors", run.Count(Outcome.Error)),
            new XAttribute("skipped", run.Tests.Count(t => t.Outcome is Outcome.NotSupported or Outcome.ExpectedFail)),
            new XAttribute("time", Seconds(run.Stop - run.Start)),
            new XAttribute("timestamp", run.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)));

        foreach (var group in run.Tests.GroupBy(t => (t.Test.Adapter.Name, t.Test.Profile)))
        {
            var tests = group.ToList();
            var suite = new XElement("testsuite",
                new XAttribute("name", $"{group.Key.Name}/{group.Key.Profile}"),
                new XAttribute("tests", tests.Count),
                new XAttribute("failures", tests.Count(t => t.Outcome is Outcome.Fail or Outcome.UnexpectedPass)),
                new XAttribute("errors", tests.Count(t => t.Outcome == Outcome.Error)),
                new XAttribute("skipped", tests.Count(t => t.Outcome is Outcome.NotSupported or Outcome.ExpectedFail)),
                new XAttribute("time", Seconds(TimeSpan.FromTicks(tests.Sum(t => t.Duration.Ticks)))),
                new XAttribute("timestamp", tests[0].Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)),
                new XElement("properties",
                    Property("runId", run.RunId),
                    Property("seed", Seeds.Format(run.Seed)),
                    Property("shard", run.Shard.ToString()),
                    Property("adapter", group.Key.Name),
                    Property("platform", tests[0].Test.Adapter.Platform),
                    Property("profile", group.Key.Profile)));
            foreach (TestResult t in tests) suite.Add(Case(t));
            root.Add(suite);
        }
        var doc = new XDocument(new XDeclaration("1.0", "utf-8", null), root);
        return doc.Declaration + "\n" + doc.Root!.ToString() + "\n";
    }

    private static XElement Case(TestResult t)
    {
        var c = new XElement("testcase",
            new XAttribute("classname", $"{t.Test.Adapter.Name}.{t.Test.Profile}.{t.Test.Requirement.Id}"),
            new XAttribute("name", $"{t.Test.Requirement.Id} {t.Test.Check}"),
            new XAttribute("time", Seconds(t.Duration)));
        string detail = Clean(Detail(t));
        switch (t.Outcome)
        {
            case Outcome.NotSupported:
            case Outcome.ExpectedFail:
                c.Add(new XElement("skipped", new XAttribute("message", Clean($"{t.Outcome.Name()}: {Reason(t)}"))));
                break;
            case Outcome.Fail:
            case Outcome.UnexpectedPass:
                c.Add(new XElement("failure", new XAttribute("message", Clean($"{t.Outcome.Name()}: {Reason(t)}")),
                    new XAttribute("type", t.Outcome.Name()), detail));
                break;
            case Outcome.Error:
                c.Add(new XElement("error", new XAttribute("message", Clean($"Error: {Reason(t)}")),
                    new XAttribute("type", "Error"), detail));
                break;
        }
        c.Add(new XElement("properties",
            Property("requirement", t.Test.Requirement.Id),
            Property("level", t.Test.Requirement.Level),
            Property("outcome", t.Outcome.Name()),
            Property("seed", Seeds.Format(t.Seed))));
        return c;
    }

    internal static string Reason(TestResult t) =>
        t.Outcome == Outcome.ExpectedFail
            ? (t.Expected?.Why ?? "listed in the baseline") + (t.Message is { } m ? $" — {m}" : "")
            : t.Message ?? t.Outcome.Name();

    internal static string Detail(TestResult t)
    {
        var lines = new List<string> { $"{t.Test.Requirement.Id} ({t.Test.Requirement.Level}) {t.Test.Requirement.Title}" };
        if (t.Message is { } m) lines.Add(m);
        lines.Add($"seed: {Seeds.Format(t.Seed)}");
        if (t.Reproduction is { } r) lines.Add($"reproduction: {r}");
        lines.Add($"rerun: {t.Rerun}");
        return string.Join('\n', lines);
    }

    private static XElement Property(string name, string value) =>
        new("property", new XAttribute("name", name), new XAttribute("value", Clean(value)));

    /// <summary>Drops characters XML 1.0 cannot carry (an adapter's message may contain anything).</summary>
    internal static string Clean(string s) =>
        s.All(System.Xml.XmlConvert.IsXmlChar) ? s : new string([.. s.Where(System.Xml.XmlConvert.IsXmlChar)]);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
