namespace Conformance.Cli;

public static class CliApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        _ = stdout;
        stderr.WriteLine("usage: conformance <groups|vectors|run> ...");
        return args.Length == 0 ? 2 : 2;
    }
}
