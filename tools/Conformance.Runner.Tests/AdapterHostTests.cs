using System.Diagnostics;
using Conformance.Runner.Cli;
using Conformance.Runner.Hosting;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Tests;

/// <summary>
/// <c>--adapter PATH.dll</c> end to end: this test assembly is the implementer's adapter (its
/// <see cref="ScriptedChildCatalog"/>), and this test executable, restarted with <c>run --adapter-host</c>, is the host.
/// </summary>
public class AdapterHostTests
{
    private static readonly string ThisAssembly = typeof(AdapterHostTests).Assembly.Location;

    private static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = RunCli.Execute(args, stdout, stderr, new FakeCatalog(), ChildHostCommand.ForCurrentProcess(), interactive: false, shippedBaselines: "/nonexistent");
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task An_adapter_that_throws_exits_fails_fast_overflows_or_hangs_costs_one_Error_each_and_the_run_goes_on()
    {
        using ChildProcessCatalog host = await ChildProcessCatalog.StartAsync(ChildHostCommand.ForCurrentProcess(), ThisAssembly,
            TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(["scripted"], host.Adapters.Select(a => a.Name));
        Assert.Equal(9, host.Requirements.Count);

        var clock = Stopwatch.StartNew();
        RunResult run = await ConformanceRun.ExecuteAsync(new RunOptions { Seed = 5, Timeout = TimeSpan.FromSeconds(1.5) }, host,
            ct: TestContext.Current.CancellationToken);
        clock.Stop();

        var byId = run.Tests.ToDictionary(t => t.Test.Requirement.Id);
        Assert.Equal(Outcome.Pass, byId["CHK-PASS"].Outcome);
        Assert.Equal(Outcome.Fail, byId["CHK-FAIL"].Outcome);
        Assert.Equal("map; dma write 0x3000", byId["CHK-FAIL"].Reproduction);
        Assert.Equal("InvalidOperationException: adapter bug", byId["CHK-THROW"].Message);
        Assert.Equal("the adapter host died (exit code 3)", byId["CHK-EXIT"].Message);
        Assert.Contains("adapter gave up", byId["CHK-FAILFAST"].Message, StringComparison.Ordinal);
        Assert.Contains("Stack overflow", byId["CHK-STACK"].Message, StringComparison.Ordinal);
        Assert.Equal("timed out after 1.5 s", byId["CHK-HANG"].Message);
        foreach (string id in (string[])["CHK-THROW", "CHK-EXIT", "CHK-FAILFAST", "CHK-STACK", "CHK-HANG"]) Assert.Equal(Outcome.Error, byId[id].Outcome);
        // Output the adapter prints cannot forge or break the protocol; the checks after the crashes still run.
        Assert.Equal(Outcome.Pass, byId["CHK-NOISE"].Outcome);
        Assert.Equal(Outcome.Pass, byId["CHK-LAST"].Outcome);
        // One host to start with, one more after each of exit, fail-fast, stack overflow and hang; none after a throw.
        Assert.Equal(5, host.HostsStarted);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(1, run.ExitCode);
    }

    [Fact]
    public void The_cli_runs_an_adapter_assembly_in_a_child_applying_baselines_and_filters()
    {
        using var dir = new TempDir();
        string baseline = dir.Write("scripted.json", """
            { "adapter": "scripted", "profile": "default",
              "expected": { "CHK-FAIL": { "outcome": "fail", "why": "known" }, "CHK-THROW": { "outcome": "error", "why": "known bug" } } }
            """);
        string report = dir.File("r.xml");
        var (exit, output, err) = Cli("--adapter", ThisAssembly, "--filter", "CHK-PASS,CHK-FAIL,CHK-THROW,CHK-NOISE", "--seed", "9",
            "--baseline", baseline, "--report", "junit:" + report);
        Assert.True(exit == 0, output + err);
        Assert.Contains("ExpectedFail   CHK-FAIL main on scripted/default: known", output, StringComparison.Ordinal);
        Assert.Contains("ExpectedFail   CHK-THROW main on scripted/default: known bug", output, StringComparison.Ordinal);
        Assert.Contains("<skipped message=\"ExpectedFail: known bug", File.ReadAllText(report), StringComparison.Ordinal);

        var (failExit, failOutput, _) = Cli("--adapter", ThisAssembly, "--filter", "CHK-FAIL", "--seed", "9");
        Assert.Equal(1, failExit);
        Assert.Contains($"rerun: conformance run --adapter {ThisAssembly} --adapter scripted --filter CHK-FAIL --seed 0x0000000000000009", failOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void An_assembly_without_adapters_or_not_an_assembly_at_all_is_bad_input()
    {
        string runner = typeof(ConformanceRun).Assembly.Location;
        var (exit, output, err) = Cli("--adapter", runner);
        Assert.Equal(2, exit);
        Assert.StartsWith($"conformance run: --adapter \"{runner}\": declares no adapter", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Equal("", output);

        using var dir = new TempDir();
        string fake = dir.Write("adapter.dll", "not a PE file");
        var (exit2, _, err2) = Cli("--adapter", fake);
        Assert.Equal(2, exit2);
        Assert.StartsWith($"conformance run: --adapter \"{fake}\": cannot load it as a .NET assembly", err2, StringComparison.Ordinal);
    }

    [Fact]
    public void The_host_answers_describe_ping_and_run_and_turns_a_throw_into_an_Error_result()
    {
        string requests = string.Join('\n',
            """{"op":"describe"}""",
            """{"op":"ping"}""",
            """{"op":"run","id":1,"adapter":"scripted","requirement":"CHK-FAIL","check":"main","seed":"0x00000000000000ff"}""",
            """{"op":"run","id":2,"adapter":"scripted","requirement":"CHK-THROW","check":"main","seed":"0x0000000000000001"}""") + "\n";
        var output = new StringWriter();
        int exit = ChildHost.Serve(new ScriptedChildCatalog(), new MemoryStream(System.Text.Encoding.UTF8.GetBytes(requests)), output);
        Assert.Equal(0, exit);
        string[] lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        var (adapters, requirements, checks) = ChildProtocol.ReadCatalog(ChildProtocol.ParseLine(lines[0]));
        Assert.Equal(new AdapterInfo("scripted", "none", "default"), adapters.Single());
        Assert.Equal(["main"], checks["CHK-PASS"]);
        Assert.Equal("CHK-LAST", requirements[^1].Id);
        Assert.Equal("pong", ChildProtocol.Op(ChildProtocol.ParseLine(lines[1])));
        Assert.Equal(new CheckResult(RawOutcome.Fail, "guest wrote 0xdead into another owner's page", 0xff, "map; dma write 0x3000"),
            ChildProtocol.ReadResult(ChildProtocol.ParseLine(lines[2])));
        Assert.Equal(new CheckResult(RawOutcome.Error, "InvalidOperationException: adapter bug", 1, null),
            ChildProtocol.ReadResult(ChildProtocol.ParseLine(lines[3])));
    }
}
