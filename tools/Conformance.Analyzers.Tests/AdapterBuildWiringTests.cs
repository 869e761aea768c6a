using System.Diagnostics;
using System.Text.Json;

namespace Conformance.Analyzers.Tests;

/// <summary>
/// How adapters/Directory.Build.props and adapters/Directory.Build.targets wire the rules into the adapter projects,
/// read from MSBuild's own evaluation of the real project files (<c>dotnet msbuild -getProperty/-getItem</c>, no
/// build): the reference adapters get the preset that makes every rule an error and keep the DAK IDs out of
/// <c>WarningsNotAsErrors</c>; the broken variants' project, which only sets <c>ConformanceAnalyzersAsWarnings</c> in
/// its body, gets the DAK IDs in <c>WarningsNotAsErrors</c> and no preset. The opt-in is set after
/// Directory.Build.props is imported, so this holds only because the property logic sits in the .targets.
/// </summary>
public sealed class AdapterBuildWiringTests
{
    private static readonly string[] RuleIds = ["DAK001", "DAK002", "DAK003", "DAK004", "DAK005", "DAK006", "DAK007"];

    private sealed record Evaluation(string WarningsNotAsErrors, string TreatWarningsAsErrors, IReadOnlyList<string> GlobalConfigs);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Conformance.sln not found");
    }

    private static async Task<Evaluation> Evaluate(string project)
    {
        var psi = new ProcessStartInfo("dotnet", ["msbuild", project, "-getProperty:WarningsNotAsErrors", "-getProperty:TreatWarningsAsErrors", "-getItem:GlobalAnalyzerConfigFiles"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot(),
        };
        // Evaluate as a developer's command line would, not with the test host's MSBuild/SDK environment.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_HOST", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(timeout.Token);
        string output = await stdout;
        Assert.True(p.ExitCode == 0, output + await stderr);
        using var doc = JsonDocument.Parse(output);
        var props = doc.RootElement.GetProperty("Properties");
        var configs = doc.RootElement.GetProperty("Items").GetProperty("GlobalAnalyzerConfigFiles").EnumerateArray()
            .Select(i => i.GetProperty("FullPath").GetString()!).ToList();
        return new Evaluation(props.GetProperty("WarningsNotAsErrors").GetString()!, props.GetProperty("TreatWarningsAsErrors").GetString()!, configs);
    }

    private static HashSet<string> Ids(string list) =>
        list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    private static bool IsPreset(string path) => Path.GetFileName(path) == "adapter.globalconfig";

    [Fact]
    public async Task The_reference_adapters_get_every_rule_as_an_error()
    {
        var e = await Evaluate(Path.Combine("adapters", "Conformance.Adapters", "Conformance.Adapters.csproj"));
        Assert.Equal("true", e.TreatWarningsAsErrors);
        Assert.Contains(e.GlobalConfigs, IsPreset);
        var exempt = Ids(e.WarningsNotAsErrors);
        Assert.All(RuleIds, id => Assert.DoesNotContain(id, exempt));
        string preset = File.ReadAllText(e.GlobalConfigs.First(IsPreset));
        Assert.All(RuleIds, id => Assert.Contains($"dotnet_diagnostic.{id}.severity = error", preset, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_broken_variants_opt_in_from_the_project_body_keeps_every_rule_a_warning_and_nothing_else()
    {
        string project = Path.Combine("adapters", "Conformance.Adapters.Broken", "Conformance.Adapters.Broken.csproj");
        string text = File.ReadAllText(Path.Combine(RepoRoot(), project));
        // The project says only the opt-in; the IDs come from adapters/Directory.Build.targets.
        Assert.Contains("<ConformanceAnalyzersAsWarnings>true</ConformanceAnalyzersAsWarnings>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("WarningsNotAsErrors", text, StringComparison.Ordinal);

        var e = await Evaluate(project);
        Assert.Equal("true", e.TreatWarningsAsErrors);
        Assert.DoesNotContain(e.GlobalConfigs, IsPreset);
        Assert.Equal(RuleIds.ToHashSet(StringComparer.Ordinal), Ids(e.WarningsNotAsErrors));
    }
}
