using Conformance.Reference.Text;
using Conformance.Runner.Hosting;
using Conformance.Suite.Catalog;
using Spectre.Console;

namespace Conformance.Runner.Cli;

/// <summary>
/// <c>conformance run</c> from arguments to exit code: parse, pick the catalog (the kit's, or an implementer's assembly
/// in an adapter host), run with a progress display, print the matrix. Also serves the hidden
/// <c>run --adapter-host PATH.dll</c> that the child process is started with.
/// </summary>
public static class RunCli
{
    /// <param name="catalog">the kit's catalog (reference adapters), used unless <c>--adapter PATH.dll</c>.</param>
    /// <param name="host">how to start an adapter host; null: this process's own command line.</param>
    /// <param name="interactive">true for the live display; null: only when <paramref name="stdout"/> is a terminal and CI is not set.</param>
    public static int Execute(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, ISuiteCatalog catalog,
        ChildHostCommand? host = null, bool? interactive = null, string? shippedBaselines = null)
    {
        RunArguments parsed;
        try
        {
            parsed = RunArguments.Parse(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"conformance run: {e.Message}");
            return 2;
        }
        if (parsed.Help)
        {
            stdout.WriteLine(RunArguments.Usage);
            return 0;
        }
        if (parsed.AdapterHost is { } assembly) return ServeAdapterHost(assembly);

        RunOptions options = parsed.Options with { ShippedBaselineDirectory = shippedBaselines ?? BaselineLocator.Find(), UseSuiteBaselines = shippedBaselines is null };
        ChildProcessCatalog? child = null;
        try
        {
            if (options.AdapterAssembly is { } dll)
            {
                child = ChildProcessCatalog.StartAsync(host ?? ChildHostCommand.ForCurrentProcess(), dll, options.Timeout)
                    .GetAwaiter().GetResult();
                catalog = child;
            }
            bool live = interactive ?? IsInteractive(stdout);
            RunResult result = live
                ? RunLive(options, catalog, stdout)
                : RunPlain(options, catalog, stdout);
            return result.ExitCode;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"conformance run: {e.Message}");
            return 2;
        }
        catch (InputException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        finally
        {
            child?.Dispose();
        }
    }

    private static RunResult RunPlain(RunOptions options, ISuiteCatalog catalog, TextWriter stdout) =>
        ConformanceRun.ExecuteAsync(options, catalog, new PlainDisplay(stdout)).GetAwaiter().GetResult();

    private static RunResult RunLive(RunOptions options, ISuiteCatalog catalog, TextWriter stdout)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        RunResult? result = null;
        console.Progress().AutoClear(true).HideCompleted(true)
            .StartAsync(async ctx =>
            {
                ProgressTask task = ctx.AddTask("starting");
                result = await ConformanceRun.ExecuteAsync(options, catalog, new SpectreDisplay(console, task)).ConfigureAwait(false);
            })
            .GetAwaiter().GetResult();
        SpectreDisplay.Summarize(console, result!);
        return result!;
    }

    /// <summary>Only a real terminal gets the live display; redirected output and CI get plain lines.</summary>
    public static bool IsInteractive(TextWriter stdout) =>
        ReferenceEquals(stdout, Console.Out)
        && !Console.IsOutputRedirected
        && !IsSet("CI")
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    private static bool IsSet(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v
        && !string.Equals(v, "false", StringComparison.OrdinalIgnoreCase) && v != "0";

    /// <summary>
    /// The child side: protocol on the real standard output; whatever the adapter prints goes to standard error so
    /// it cannot corrupt the protocol.
    /// </summary>
    private static int ServeAdapterHost(string assembly)
    {
        Stream output = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        return ChildHost.Serve(assembly, Console.OpenStandardInput(), output);
    }
}
