namespace Conformance.Cli.Tests;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
public static class CliHarness
{
    public sealed record Result(int Exit, string Out, string Err);

    public static Result Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = CliApp.Run(args, o, e);
        return new Result(exit, o.ToString(), e.ToString());
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conformance.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Conformance.sln not found");
    }

    /// <summary>A temporary file with the given content, deleted with the returned scope.</summary>
    public static TempFile Temp(string name, string content) => new(name, content);

    public sealed class TempFile : IDisposable
    {
        public TempFile(string name, string content)
        {
            Dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "conformance-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Dir);
            Path = System.IO.Path.Combine(Dir, name);
            File.WriteAllText(Path, content);
        }

        public string Dir { get; }
        public string Path { get; }

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }
}
