namespace Conformance.Runner.Hosting;

/// <summary>
/// How to start the adapter host: the same CLI, with the hidden <c>run --adapter-host PATH.dll</c> subcommand.
/// </summary>
/// <param name="FileName">the executable (the <c>conformance</c> apphost, or <c>dotnet</c>).</param>
/// <param name="PrefixArguments">arguments before <c>run</c> (the entry assembly when started through <c>dotnet</c>).</param>
public sealed record ChildHostCommand(string FileName, IReadOnlyList<string> PrefixArguments)
{
    public const string HostOption = "--adapter-host";

    /// <summary>The command that started this process, so the child is exactly this CLI.</summary>
    public static ChildHostCommand ForCurrentProcess()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        string name = Path.GetFileNameWithoutExtension(process);
        if (string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            string entry = System.Reflection.Assembly.GetEntryAssembly()?.Location
                ?? throw new InvalidOperationException("cannot tell which assembly is running");
            return new ChildHostCommand(process, ["exec", entry]);
        }
        return new ChildHostCommand(process, []);
    }

    public IReadOnlyList<string> ArgumentsFor(string adapterAssembly) => [.. PrefixArguments, "run", HostOption, adapterAssembly];
}
