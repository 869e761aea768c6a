using System.Globalization;

namespace Conformance.Runner.Cli;

/// <summary>The parsed command line of <c>conformance run</c>.</summary>
public sealed record RunArguments(RunOptions Options, string? AdapterHost, bool Help)
{
    public const string Usage = """
        usage: conformance run [--adapter NAME|PATH.dll] [--profile NAME] [--filter EXPR] [--seed N]
                               [--baseline FILE] [--report FORMAT:PATH ...] [--shard I/N]
                               [--timeout SECONDS] [--run-id ID]
          --adapter NAME|PATH.dll  a kit adapter by name, or an implementer's adapter assembly (run in a child
                                   process); repeat to name several, or a .dll plus names of adapters inside it
          --profile NAME           only adapters declared under this profile
          --filter EXPR            comma-separated requirement-ID globs: DMA-*,GRP-00?
          --seed N                 run seed, decimal or 0x...; printed at the start of every run
          --baseline FILE          known outcomes (repeatable); default: the kit's shipped baselines
          --report FORMAT:PATH     junit, ctrf, md or html (repeatable; several may follow one --report)
          --shard I/N              run the I-th of N deterministic slices (1 <= I <= N)
          --timeout SECONDS        per-test time limit (default 60); a check running longer is an Error
          --run-id ID              the id shared by every shard's reports (default: derived from seed and selection)
        exit: 0 all Pass/NotSupported/ExpectedFail; 1 a Fail, Error or UnexpectedPass; 2 bad input
        """;

    /// <exception cref="UsageException">an unknown option, a missing or malformed value.</exception>
    public static RunArguments Parse(IReadOnlyList<string> args)
    {
        var adapters = new List<string>();
        string? assembly = null;
        string? profile = null;
        RequirementFilter filter = RequirementFilter.All;
        ulong? seed = null;
        var baselines = new List<string>();
        var reports = new List<ReportTarget>();
        Shard shard = Shard.Whole;
        TimeSpan timeout = TimeSpan.FromSeconds(60);
        string? runId = null;
        string? host = null;
        bool help = false;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }
            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                    throw new UsageException($"{name}: missing value");
                return args[++i];
            }
            switch (name)
            {
                case "-h" or "--help" or "-?":
                    help = true;
                    break;
                case "--adapter":
                    string a = Value();
                    if (a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                    {
                        if (assembly is not null) throw new UsageException($"--adapter \"{a}\": only one adapter assembly per run");
                        assembly = a;
                    }
                    else
                    {
                        adapters.AddRange(a.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                    }
                    break;
                case "--profile":
                    profile = Once(profile, name, Value());
                    break;
                case "--filter":
                    if (filter != RequirementFilter.All) throw new UsageException("--filter: given twice (join the globs with commas)");
                    filter = RequirementFilter.Parse(Value());
                    break;
                case "--seed":
                    if (seed is not null) throw new UsageException("--seed: given twice");
                    seed = Seeds.Parse(Value());
                    break;
                case "--baseline":
                    baselines.Add(Value());
                    break;
                case "--report":
                    reports.Add(ReportTarget.Parse(Value()));
                    while (inline is null && i + 1 < args.Count && !args[i + 1].StartsWith('-')) reports.Add(ReportTarget.Parse(args[++i]));
                    break;
                case "--shard":
                    if (!shard.IsWhole) throw new UsageException("--shard: given twice");
                    shard = Shard.Parse(Value());
                    break;
                case "--timeout":
                    string t = Value();
                    if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0 || seconds > 86400)
                        throw new UsageException($"--timeout \"{t}\": expected a number of seconds greater than 0");
                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--run-id":
                    runId = Once(runId, name, Value());
                    if (runId.Length == 0 || runId.Any(char.IsWhiteSpace)) throw new UsageException($"--run-id \"{runId}\": must be non-empty, without spaces");
                    break;
                case ChildHostCommandOption:
                    host = Value();
                    break;
                default:
                    throw new UsageException(arg.StartsWith('-') ? $"unknown option {arg}" : $"unexpected argument \"{arg}\"");
            }
        }
        var options = new RunOptions
        {
            Adapters = adapters,
            AdapterAssembly = assembly,
            Profile = profile,
            Filter = filter,
            Seed = seed,
            BaselinePaths = baselines,
            Reports = reports,
            Shard = shard,
            Timeout = timeout,
            RunId = runId,
        };
        return new RunArguments(options, host, help);
    }

    private const string ChildHostCommandOption = Hosting.ChildHostCommand.HostOption;

    private static string Once(string? previous, string name, string value) =>
        previous is null ? value : throw new UsageException($"{name}: given twice");
}
