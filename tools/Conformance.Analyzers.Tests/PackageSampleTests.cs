using System.Diagnostics;

namespace Conformance.Analyzers.Tests;

/// <summary>
/// The analyzer as implementers get it: `dotnet pack` makes the package, a separate sample adapter project outside the
/// kit's build consumes it from a local folder feed, and its build reports every rule (adapters/samples/AnalyzerSample).
/// </summary>
public sealed class PackageSampleTests
{
    [Fact]
    public async Task The_packed_analyzer_reports_every_rule_in_a_separate_sample_adapter_project()
    {
        string root = FindRepoRoot();
        string script = Path.Combine(root, "adapters", "samples", "AnalyzerSample", "run.sh");
        var psi = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        // Do not let this build inherit the test host's MSBuild/SDK environment.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_HOST", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(timeout.Token);
        string output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, output);
        foreach (var id in new[] { "DAK001", "DAK002", "DAK003", "DAK004", "DAK005", "DAK006", "DAK007" })
            Assert.Contains($"ok: {id} reported", output, StringComparison.Ordinal);
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Conformance.sln not found");
    }
}
