namespace Conformance.Runner.Tests;

/// <summary>A scratch folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "runner-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text)
    {
        string p = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        System.IO.File.WriteAllText(p, text);
        return p;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class Runs
{
    public static Task<RunResult> ExecuteAsync(FakeCatalog catalog, RunOptions options, IRunObserver? observer = null) =>
        ConformanceRun.ExecuteAsync(options, catalog, observer, ct: TestContext.Current.CancellationToken);

    /// <summary>Two adapters (an isolating one and a NOIOMMU-like one that fails isolation), a few requirements.</summary>
    public static FakeCatalog Kit() => new FakeCatalog()
        .Adapter("vtd", "intel-vtd")
        .Adapter("noiommu", "none")
        .Requirement("GRP-001", "whole-group", "one-owner")
        .Requirement("DMA-001", "lands-where-mapped")
        .Requirement("DMA-002", "unmapped-blocked", "stale-blocked")
        .Requirement("MSI-009", "remapped")
        .Requirement("VTD-001", ["intel-vtd"], "root-table")
        .Behave("noiommu", "DMA-002", Behavior.Fail)
        .Behave("noiommu", "MSI-009", Behavior.NotSupported);

    public const string NoiommuBaseline = """
        { "adapter": "noiommu", "profile": "default",
          "expected": { "DMA-002": { "outcome": "fail", "why": "no IOMMU: DMA reaches all memory" } } }
        """;
}
