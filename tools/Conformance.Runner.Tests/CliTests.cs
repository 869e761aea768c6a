using Conformance.Runner.Cli;

namespace Conformance.Runner.Tests;

public class CliTests
{
    private static (int Exit, string Out, string Err) Run(FakeCatalog catalog, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = RunCli.Execute(args, stdout, stderr, catalog, interactive: false, shippedBaselines: "/nonexistent");
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public static TheoryData<string[], string> BadInputs => new()
    {
        { ["--adapter", "amd"], "conformance run: --adapter \"amd\": unknown adapter (known: vtd, noiommu)" },
        { ["--profile", "strict"], "conformance run: --profile \"strict\"" },
        { ["--filter", "DMA-[0-9]"], "conformance run: --filter \"DMA-[0-9]\": '['" },
        { ["--seed", "0xZZ"], "conformance run: --seed \"0xZZ\"" },
        { ["--shard", "5/4"], "conformance run: --shard \"5/4\": need 1 <= I <= N" },
        { ["--report", "pdf:out.pdf"], "conformance run: --report \"pdf:out.pdf\": unknown report format \"pdf\"" },
        { ["--report", "junit:/nonexistent/dir/r.xml"], "conformance run: --report junit:/nonexistent/dir/r.xml: directory /nonexistent/dir does not exist" },
        { ["--timeout", "0"], "conformance run: --timeout \"0\"" },
        { ["--seed"], "conformance run: --seed: missing value" },
        { ["--frobnicate"], "conformance run: unknown option --frobnicate" },
        { ["--adapter", "/nonexistent/adapter.dll"], "conformance run: --adapter \"/nonexistent/adapter.dll\": no such file" },
        { ["--baseline", "/nonexistent/b.json"], "/nonexistent/b.json:1: cannot read file" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_on_stderr_exit_2_and_no_report(string[] args, string message)
    {
        using var dir = new TempDir();
        string report = dir.File("r.md");
        var (exit, output, err) = Run(Runs.Kit(), [.. args, "--report", "md:" + report]);
        Assert.Equal(2, exit);
        Assert.StartsWith(message, err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Equal("", output);
        Assert.False(File.Exists(report));
    }

    [Fact]
    public void A_malformed_baseline_is_reported_as_file_line_column_and_exit_2()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("noiommu.default.json", "{ \"adapter\": \"noiommu\", \"profile\": \"default\",\n  \"expected\": { \"DMA-002\": { \"outcome\": \"passes\" } } }");
        string report = dir.File("r.xml");
        var (exit, output, err) = Run(Runs.Kit(), "--baseline", baseline, "--report", "junit:" + report);
        Assert.Equal(2, exit);
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(baseline)}:2:[0-9]+: outcome \"passes\" is not one a baseline may expect", err);
        Assert.Equal("", output);
        Assert.False(File.Exists(report));
    }

    [Fact]
    public void A_plain_run_prints_the_seed_first_a_line_per_test_then_the_matrix_and_exits_by_the_gate()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("b.json", Runs.NoiommuBaseline);
        var (exit, output, err) = Run(Runs.Kit(), "--seed", "0x2a", "--baseline", baseline);
        Assert.Equal("", err);
        Assert.Equal(0, exit);
        string[] lines = output.Split('\n');
        Assert.StartsWith("conformance run: seed 0x000000000000002a, run id ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("[ 1/13] Pass", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("ExpectedFail   DMA-002 unmapped-blocked on noiommu/default: no IOMMU", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Requirement  Level   vtd   noiommu", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("VTD-001      MUST    Pass  -", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("MSI-009      SHOULD  Pass  NotSupported", StringComparison.Ordinal));
        Assert.StartsWith("PASS: 13 tests: 10 passed, 0 failed, 0 errors, 1 not supported, 2 expected failures", lines[^2], StringComparison.Ordinal);

        var (failExit, failOut, _) = Run(Runs.Kit(), "--seed", "42");
        Assert.Equal(1, failExit);
        Assert.Contains("rerun: conformance run --adapter noiommu --filter DMA-002 --seed 0x000000000000002a", failOut, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rerun_line_repeats_the_failing_test_with_the_same_seed()
    {
        var (_, output, _) = Run(Runs.Kit(), "--seed", "42", "--adapter", "noiommu");
        string rerun = output.Split('\n').First(l => l.TrimStart().StartsWith("rerun:", StringComparison.Ordinal)).Trim()["rerun: conformance run ".Length..];
        var kit = Runs.Kit();
        var (exit, again, _) = Run(kit, rerun.Split(' '));
        Assert.Equal(1, exit);
        Assert.All(kit.Calls, c => Assert.Equal(("noiommu", "DMA-002"), (c.Adapter, c.Requirement)));
        var first = Runs.Kit();
        Run(first, "--seed", "42", "--adapter", "noiommu");
        Assert.Equal(first.Calls.Where(c => c.Requirement == "DMA-002").Select(c => c.Seed), kit.Calls.Select(c => c.Seed));
        Assert.Contains("Fail", again, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_accept_equals_forms_repeats_and_several_reports_after_one_flag()
    {
        RunArguments a = RunArguments.Parse(["--seed=0x10", "--adapter", "vtd,noiommu", "--report", "junit:a.xml", "ctrf:b.json", "--shard=2/3", "--timeout", "1.5", "--baseline", "x.json", "--baseline", "y.json"]);
        Assert.Equal(0x10UL, a.Options.Seed);
        Assert.Equal(["vtd", "noiommu"], a.Options.Adapters);
        Assert.Equal([new ReportTarget(ReportFormat.Junit, "a.xml"), new ReportTarget(ReportFormat.Ctrf, "b.json")], a.Options.Reports);
        Assert.Equal(new Shard(2, 3), a.Options.Shard);
        Assert.Equal(TimeSpan.FromSeconds(1.5), a.Options.Timeout);
        Assert.Equal(["x.json", "y.json"], a.Options.BaselinePaths);
        Assert.Equal("/x/adapter.dll", RunArguments.Parse(["--adapter", "/x/adapter.dll", "--adapter", "mine"]).Options.AdapterAssembly);
        Assert.True(RunArguments.Parse(["--help"]).Help);
    }

    [Fact]
    public void Help_prints_the_usage_and_exits_0()
    {
        var (exit, output, _) = Run(Runs.Kit(), "--help");
        Assert.Equal(0, exit);
        Assert.Contains("conformance run [--adapter NAME|PATH.dll]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Shipped_baselines_are_found_in_the_nearest_adapters_baselines_folder()
    {
        using var dir = new TempDir();
        dir.Write("adapters/baselines/noiommu.default.json", Runs.NoiommuBaseline);
        string deep = Path.Combine(dir.Path, "tools", "bin", "Debug");
        Directory.CreateDirectory(deep);
        Assert.Equal(Path.Combine(dir.Path, "adapters", "baselines"), BaselineLocator.Find(deep, "/"));
        Assert.Equal(Path.Combine(dir.Path, "adapters", "baselines"), BaselineLocator.Find("/", deep));

        var stdout = new StringWriter();
        int exit = RunCli.Execute(["--seed", "1"], stdout, new StringWriter(), Runs.Kit(), interactive: false,
            shippedBaselines: Path.Combine(dir.Path, "adapters", "baselines"));
        Assert.Equal(0, exit);
        Assert.Contains("baseline: " + Path.Combine(dir.Path, "adapters", "baselines", "noiommu.default.json"), stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Output_that_is_not_the_terminal_gets_plain_lines()
    {
        Assert.False(RunCli.IsInteractive(new StringWriter()));
        var stdout = new StringWriter();
        RunCli.Execute(["--seed", "1", "--adapter", "vtd"], stdout, new StringWriter(), Runs.Kit(), shippedBaselines: "/nonexistent");
        Assert.DoesNotContain('\u001b', stdout.ToString());
        Assert.StartsWith("conformance run: seed 0x0000000000000001", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_live_display_renders_the_matrix_as_a_table()
    {
        var stdout = new StringWriter();
        int exit = RunCli.Execute(["--seed", "1", "--adapter", "vtd"], stdout, new StringWriter(), Runs.Kit(), interactive: true, shippedBaselines: "/nonexistent");
        Assert.Equal(0, exit);
        string text = stdout.ToString();
        Assert.Contains("requirements by adapter", text, StringComparison.Ordinal);
        Assert.Contains("GRP-001", text, StringComparison.Ordinal);
        Assert.Contains("PASS", text, StringComparison.Ordinal);
    }
}
