using Conformance.Runner.Cli;
using Conformance.Suite.Catalog;

namespace Conformance.Cli.Commands;

/// <summary>
/// <c>conformance run</c> (formats.md §5; docs/conformance-run.md). The dispatcher passes the arguments after
/// <c>run</c>. The same entry also serves the hidden <c>run --adapter-host PATH.dll</c> that <c>--adapter PATH.dll</c>
/// starts as a child process, so the dispatcher needs nothing else.
/// </summary>
public static class RunCommand
{
    public static int Execute(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunCli.Execute(args, stdout, stderr, SuiteCatalog.Default);
}
