using System.Text.Json.Nodes;
using Conformance.Runner.Cli;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Tests;

/// <summary>The kit's own catalog (the reference adapters) through the whole CLI path, as <c>conformance run</c> with no options.</summary>
public class KitRunTests
{
    [Fact]
    public void With_no_options_the_kit_runs_its_adapters_under_the_shipped_baselines_and_prints_the_matrix()
    {
        using var dir = new TempDir();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = RunCli.Execute(["--seed", "0x1", "--report", "ctrf:" + dir.File("r.json")], stdout, stderr, SuiteCatalog.Default, interactive: false);
        string output = stdout.ToString();
        Assert.Equal("", stderr.ToString());

        // The shipped baseline is found from the test's output folder, as the CLI finds it from its own.
        string shipped = Path.Combine(BaselineLocator.Find()!, "noiommu.default.json");
        Assert.Contains($"baseline: {shipped} (noiommu/default,", output, StringComparison.Ordinal);
        var baselines = new Dictionary<string, Baseline>
        {
            ["noiommu"] = Baseline.Read(shipped),
            ["spapr"] = Baseline.Read(Path.Combine(BaselineLocator.Find()!, "spapr.default.json")),
        };

        var tests = JsonNode.Parse(File.ReadAllText(dir.File("r.json")))!["results"]!["tests"]!.AsArray();
        var kit = SuiteCatalog.Default;
        Assert.Equal(kit.Adapters.Sum(a => kit.Requirements.Where(r => RunPlan.AppliesTo(r, a)).Sum(r => kit.ChecksFor(r.Id).Count)), tests.Count);
        foreach (JsonNode? t in tests)
        {
            string id = (string)t!["labels"]!["requirement"]!;
            string outcome = (string)t["rawStatus"]!;
            // noiommu and spapr ship baselines; intel-vtd has none and must pass.
            string adapter = (string)t["labels"]!["adapter"]!;
            if (!baselines.TryGetValue(adapter, out var baseline)) { Assert.True(outcome is "Pass" or "NotSupported", $"{adapter} {id}: {outcome}"); continue; }
            bool judged = baseline.For(id) is not null;
            // Every requirement the baseline lists is judged against it: never a plain Fail or Pass.
            if (judged) Assert.True(outcome is "ExpectedFail" or "UnexpectedPass" or "Error" or "NotSupported", $"{id}: {outcome}");
            else Assert.True(outcome is not ("ExpectedFail" or "UnexpectedPass"), $"{id}: {outcome}");
        }
        Assert.Equal(0, exit); // the kit's own adapters under their shipped baselines pass the gate
        bool gateFails = tests.Any(t => (string)t!["rawStatus"]! is "Fail" or "Error" or "UnexpectedPass");
        Assert.Equal(gateFails ? 1 : 0, exit);
        Assert.Contains("Requirement  Level  noiommu", output, StringComparison.Ordinal);
        Assert.StartsWith(gateFails ? "FAIL:" : "PASS:", output.TrimEnd('\n').Split('\n')[^1], StringComparison.Ordinal);
    }
}
