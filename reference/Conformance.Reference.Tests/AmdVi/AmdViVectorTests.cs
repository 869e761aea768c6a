using Conformance.Reference.Vectors;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>
/// Runs reference/vectors/amd-vi (written by tools/vectorgen/amd_vi.py from the spec layouts) through the vector
/// runner with the default platforms, exactly as <c>conformance vectors run</c> does.
/// </summary>
public class AmdViVectorTests
{
    public static TheoryData<string> Files =>
        new(VectorSuite.CollectFiles([Path.Combine(TestPaths.Vectors, "amd-vi")]).Select(Path.GetFileName)!);

    [Fact]
    public void There_are_at_least_thirty_AMD_Vi_vectors()
    {
        Assert.True(Files.Count >= 30, $"{Files.Count} vectors");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_AMD_Vi_vector_holds(string file)
    {
        var vectors = VectorSuite.ReadAll([Path.Combine(TestPaths.Vectors, "amd-vi", file)]);
        var result = Assert.Single(VectorSuite.RunAll(vectors));
        Assert.True(result.Passed, string.Join(Environment.NewLine, result.Failures));
    }
}
