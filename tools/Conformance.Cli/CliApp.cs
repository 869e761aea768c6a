using Conformance.Cli.Commands;

namespace Conformance.Cli;

/// <summary>
/// The <c>conformance</c> command. Exit codes across the CLI (formats.md): 0 success, 1 a check or expectation failed,
/// 2 bad input or usage.
/// </summary>
public static class CliApp
{
    public const string Usage = """
        usage:
          conformance groups (--lspci FILE | --topology FILE) [--json] [--platform x86|power-phb]
          conformance vectors run PATH...
          conformance run [--adapter NAME|PATH.dll] [--profile NAME] [--filter EXPR] [--seed N]
                          [--baseline FILE] [--report FORMAT:PATH ...] [--shard I/N]
          conformance --version
        """;

    private static int GroupsEntry(string[] args, TextWriter stdout, TextWriter stderr) => GroupsCommand.Execute(args, stdout, stderr);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            switch (args[0])
            {
                case "--version":
                    stdout.WriteLine(typeof(CliApp).Assembly.GetName().Version);
                    return 0;
                case "groups":
                    return GroupsEntry(args[1..], stdout, stderr);
                case "vectors":
                    if (args.Length < 2 || args[1] != "run")
                    {
                        stderr.WriteLine("conformance vectors: expected 'run PATH...'");
                        return 2;
                    }
                    return Conformance.Reference.Vectors.VectorSuite.Run(args[2..], stdout, stderr);
                default:
                    stderr.WriteLine($"conformance: unknown command '{args[0]}'");
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }
        catch (Conformance.Reference.Text.InputException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
    }
}
