using Conformance.Reference.IntelVtd;
using Conformance.Reference.Platform;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;
using Conformance.Reference.Vectors;

namespace Conformance.Reference.Tests.IntelVtd;

/// <summary>
/// Runs reference/vectors/intel-vtd through the vector runner with the VT-d platform plugged in exactly as the
/// runner calls it (<see cref="VtdUnitConfig.Read"/>, <see cref="VtdPlatform.Attach"/>).
/// </summary>
public class VtdVectorTests
{
    internal sealed class VtdVectorPlatform : IVectorPlatform
    {
        public string Name => "intel-vtd";

        public object? ReadUnits(JsonValue? units, TopologySpec topology)
        {
            if (units is null) return new List<VtdUnitConfig>();
            return VtdUnitConfig.ReadAll(units);
        }

        public IVectorSession Attach(Machine machine, object? config, TopologySpec topology)
        {
            VtdPlatform.Attach(machine, (IReadOnlyList<VtdUnitConfig>)config!);
            return new Session();
        }

        private sealed class Session : IVectorSession;
    }

    private static readonly IReadOnlyDictionary<string, IVectorPlatform> Platforms =
        new Dictionary<string, IVectorPlatform>(StringComparer.Ordinal) { ["intel-vtd"] = new VtdVectorPlatform() };

    public static TheoryData<string> Files =>
        new(VectorSuite.CollectFiles([Path.Combine(TestPaths.Vectors, "intel-vtd")]).Select(Path.GetFileName)!);

    [Fact]
    public void There_are_at_least_forty_VT_d_vectors()
    {
        Assert.True(Files.Count >= 40, $"{Files.Count} vectors");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_VT_d_vector_holds(string file)
    {
        var vectors = VectorSuite.ReadAll([Path.Combine(TestPaths.Vectors, "intel-vtd", file)], Platforms);
        var result = Assert.Single(VectorSuite.RunAll(vectors, Platforms));
        Assert.True(result.Passed, string.Join(Environment.NewLine, result.Failures));
    }
}
