namespace Conformance.Runner.Cli;

/// <summary>Finds the kit's shipped baselines, <c>adapters/baselines/&lt;adapter&gt;.&lt;profile&gt;.json</c>.</summary>
public static class BaselineLocator
{
    public const string RelativeDirectory = "adapters/baselines";

    /// <summary>
    /// The tool's own content first (<c>&lt;tool dir&gt;/adapters/baselines</c>, as a packed tool carries it), then
    /// the repository the tool or the working directory is in (the nearest ancestor holding <c>adapters/baselines</c>).
    /// </summary>
    public static string? Find(string? toolDirectory = null, string? workingDirectory = null)
    {
        toolDirectory ??= AppContext.BaseDirectory;
        workingDirectory ??= Directory.GetCurrentDirectory();
        foreach (string start in new[] { toolDirectory, workingDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, RelativeDirectory);
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
