namespace Conformance.Runner;

/// <summary>The options of one <c>conformance run</c> (formats.md §5), parsed and validated.</summary>
public sealed record RunOptions
{
    /// <summary>Adapter names to run; empty means every adapter in the catalog.</summary>
    public IReadOnlyList<string> Adapters { get; init; } = [];

    /// <summary>An implementer's adapter assembly (<c>--adapter PATH.dll</c>), run in a child process.</summary>
    public string? AdapterAssembly { get; init; }

    /// <summary>Only adapters declared under this profile; null means each adapter's own profile.</summary>
    public string? Profile { get; init; }

    public RequirementFilter Filter { get; init; } = RequirementFilter.All;

    /// <summary>The run seed; null draws a fresh one (always printed, so the run can be repeated).</summary>
    public ulong? Seed { get; init; }

    /// <summary><c>--baseline FILE</c>; when empty, the shipped baselines in <see cref="ShippedBaselineDirectory"/> apply.</summary>
    public IReadOnlyList<string> BaselinePaths { get; init; } = [];

    /// <summary>Where the kit's own baselines live (<c>adapters/baselines/&lt;adapter&gt;.&lt;profile&gt;.json</c>); null: none.</summary>
    public string? ShippedBaselineDirectory { get; init; }

    /// <summary>
    /// When no <c>--baseline</c> is given and <see cref="ShippedBaselineDirectory"/> has no file for an adapter, use the
    /// copy the suite assembly carries (the tool's own content), so an installed tool applies the kit's baselines too.
    /// </summary>
    public bool UseSuiteBaselines { get; init; }

    public IReadOnlyList<ReportTarget> Reports { get; init; } = [];

    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>Per-test time limit; a check still running after it is an Error and its adapter host is restarted.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Identifies the run across shards; null derives one from the seed and the selection.</summary>
    public string? RunId { get; init; }
}

public enum ReportFormat { Junit, Ctrf, Md, Html }

/// <summary><c>--report FORMAT:PATH</c>.</summary>
public sealed record ReportTarget(ReportFormat Format, string Path)
{
    /// <exception cref="UsageException">an unknown format or an empty path.</exception>
    public static ReportTarget Parse(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
            throw new UsageException($"--report \"{text}\": expected FORMAT:PATH, e.g. junit:results.xml");
        string format = text[..colon];
        ReportFormat f = format.ToLowerInvariant() switch
        {
            "junit" => ReportFormat.Junit,
            "ctrf" => ReportFormat.Ctrf,
            "md" or "markdown" => ReportFormat.Md,
            "html" => ReportFormat.Html,
            _ => throw new UsageException($"--report \"{text}\": unknown report format \"{format}\" (junit, ctrf, md, html)"),
        };
        return new ReportTarget(f, text[(colon + 1)..]);
    }
}
