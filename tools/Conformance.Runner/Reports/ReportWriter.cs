namespace Conformance.Runner.Reports;

/// <summary>Checks report paths before a run and writes every report after it, never leaving a half-written file.</summary>
public static class ReportWriter
{
    /// <summary>
    /// Each path's folder must exist and accept a new file, and no path may be named twice. Probed by creating and
    /// deleting a scratch file beside the target, so the check does not touch an existing report.
    /// </summary>
    /// <exception cref="UsageException">an unwritable or repeated path.</exception>
    public static void Validate(IReadOnlyList<ReportTarget> targets)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ReportTarget t in targets)
        {
            string full = Path.GetFullPath(t.Path);
            string spec = $"--report {t.Format.ToString().ToLowerInvariant()}:{t.Path}";
            if (!seen.Add(full)) throw new UsageException($"{spec}: the same path is given twice");
            if (Directory.Exists(full)) throw new UsageException($"{spec}: is a directory");
            string dir = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(dir)) throw new UsageException($"{spec}: directory {dir} does not exist");
            string probe = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.probe");
            try
            {
                using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{spec}: cannot write there ({e.Message})");
            }
            if (File.Exists(full) && (File.GetAttributes(full) & FileAttributes.ReadOnly) != 0)
                throw new UsageException($"{spec}: the existing file is read-only");
        }
    }

    /// <summary>Renders every report to a scratch file beside its target, then moves each into place.</summary>
    public static void WriteAll(IReadOnlyList<ReportTarget> targets, RunResult run)
    {
        var staged = new List<(string Temp, string Final)>();
        try
        {
            foreach (ReportTarget t in targets)
            {
                string full = Path.GetFullPath(t.Path);
                string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
                File.WriteAllText(temp, Render(t.Format, run), new System.Text.UTF8Encoding(false));
                staged.Add((temp, full));
            }
            foreach (var (temp, final) in staged) File.Move(temp, final, overwrite: true);
        }
        finally
        {
            foreach (var (temp, _) in staged)
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
    }

    public static string Render(ReportFormat format, RunResult run) => format switch
    {
        ReportFormat.Junit => JunitReport.Render(run),
        ReportFormat.Ctrf => CtrfReport.Render(run),
        ReportFormat.Md => MarkdownReport.Render(run),
        _ => HtmlReport.Render(run),
    };
}
