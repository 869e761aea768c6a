namespace Conformance.Scenarios.Tests;

/// <summary>Locates the repository (the folder holding Conformance.sln) and the shared fixtures beside it.</summary>
public static class ScenarioPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedTopologies => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures", "topologies"));

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Conformance.sln not found above " + AppContext.BaseDirectory);
    }
}
