namespace Conformance.Reference.Tests;

/// <summary>Locates the repository (the folder holding Conformance.sln) and the shared folder beside it.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>../shared</c> next to the repository: real machines' fixtures, facts, design.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string SharedTopologies => Path.Combine(Shared, "fixtures", "topologies");

    public static string Vectors => Path.Combine(RepoRoot, "reference", "vectors");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Conformance.sln not found above " + AppContext.BaseDirectory);
    }
}
