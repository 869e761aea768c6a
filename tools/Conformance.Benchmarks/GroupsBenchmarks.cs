using BenchmarkDotNet.Attributes;
using Conformance.Reference.Groups;
using Conformance.Reference.Topology;
using Conformance.Scenarios;

namespace Conformance.Benchmarks;

/// <summary>
/// Isolation groups at scale: a generated 10,000-function machine (goal: under 50 ms), and parse + compute for the
/// largest real <c>lspci -vvnn</c> fixture. Run: <c>dotnet run -c Release --project tools/Conformance.Benchmarks -- --filter '*Groups*'</c>.
/// </summary>
[MemoryDiagnoser]
public class GroupsBenchmarks
{
    private TopologySpec large = null!;
    private string lspciText = null!;
    private string lspciPath = null!;

    [GlobalSetup]
    public void Setup()
    {
        large = TopologyGenerator.Generate(new TopologyOptions { Seed = 1, Functions = 10_000 });
        lspciPath = LargestLspciFixture();
        lspciText = File.ReadAllText(lspciPath);
    }

    [Benchmark(Description = "groups of a generated 10,000-function machine")]
    public int Compute_10000_functions() => IsolationGroups.Compute(large).Groups.Count;

    [Benchmark(Description = "parse + groups of the largest real lspci -vvnn fixture")]
    public int Parse_and_compute_largest_lspci_fixture() => IsolationGroups.Compute(LspciReader.Parse(lspciText, lspciPath)).Groups.Count;

    [Benchmark(Description = "generate a 10,000-function machine")]
    public int Generate_10000_functions() => TopologyGenerator.Generate(new TopologyOptions { Seed = 1, Functions = 10_000 }).Devices.Count;

    private static string LargestLspciFixture()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("Conformance.sln not found above " + AppContext.BaseDirectory);
        string fixtures = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "topologies"));
        return Directory.GetFiles(fixtures, "*.txt").OrderByDescending(f => new FileInfo(f).Length).First();
    }
}
