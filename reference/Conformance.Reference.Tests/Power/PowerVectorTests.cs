using Conformance.Reference.Vectors;

namespace Conformance.Reference.Tests.Power;

public class PowerVectorTests
{
    private static string Folder => Path.Combine(TestPaths.Vectors, "power-phb");

    public static TheoryData<string> Files() => new(Directory.EnumerateFiles(Folder, "*.vec.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Fact]
    public void The_POWER_vector_folder_holds_at_least_30_vectors()
    {
        Assert.True(Directory.EnumerateFiles(Folder, "*.vec.json").Count() >= 30);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_POWER_vector_passes_on_the_reference_PHB(string file)
    {
        var vectors = VectorSuite.ReadAll([Path.Combine(Folder, file)]);
        var result = VectorSuite.RunAll(vectors).Single();
        Assert.True(result.Passed, string.Join(Environment.NewLine, result.Failures));
    }
}
