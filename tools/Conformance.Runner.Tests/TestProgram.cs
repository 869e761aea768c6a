using Conformance.Runner.Cli;

namespace Conformance.Runner.Tests;

/// <summary>
/// The test executable's entry point. <c>run ...</c> makes it behave as <c>conformance run</c> (with the scripted
/// catalog as the kit's own), so <c>--adapter PATH.dll</c> restarts this very executable as the adapter host, as the
/// CLI restarts itself. Anything else runs the tests, as xunit's generated entry point would.
/// </summary>
internal static class TestProgram
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "run")
            return RunCli.Execute(args[1..], Console.Out, Console.Error, new ScriptedChildCatalog());
        if (args.Any(a => a is "--server" or "--internal-msbuild-node"))
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
