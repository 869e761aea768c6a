using Conformance.Suite.Catalog;

namespace Conformance.Runner.Tests;

/// <summary>
/// The catalog the adapter host finds when it loads this test assembly as an implementer's adapter (the only public
/// catalog with a parameterless constructor here). Each requirement misbehaves in one way a real adapter might: it
/// throws, exits, fails fast, overflows its stack, hangs, or prints on standard output.
/// </summary>
public sealed class ScriptedChildCatalog : ISuiteCatalog
{
    public IReadOnlyList<RequirementInfo> Requirements { get; } =
    [
        Req("CHK-PASS"), Req("CHK-FAIL"), Req("CHK-THROW"), Req("CHK-EXIT"), Req("CHK-FAILFAST"),
        Req("CHK-STACK"), Req("CHK-HANG"), Req("CHK-NOISE"), Req("CHK-LAST"),
    ];

    public IReadOnlyList<AdapterInfo> Adapters { get; } = [new("scripted", "none", "default")];

    public IReadOnlyList<string> ChecksFor(string requirementId) => ["main"];

    public Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct)
    {
        switch (requirementId)
        {
            case "CHK-FAIL":
                return Task.FromResult(new CheckResult(RawOutcome.Fail, "guest wrote 0xdead into another owner's page", seed, "map; dma write 0x3000"));
            case "CHK-THROW":
                throw new InvalidOperationException("adapter bug");
            case "CHK-EXIT":
                Environment.Exit(3);
                break;
            case "CHK-FAILFAST":
                Environment.FailFast("adapter gave up");
                break;
            case "CHK-STACK":
                return Task.FromResult(new CheckResult(RawOutcome.Pass, null, Recurse(seed), null));
            case "CHK-HANG":
                Thread.Sleep(Timeout.Infinite);
                break;
            case "CHK-NOISE":
                Console.WriteLine("{\"op\":\"result\",\"id\":999} adapter chatter on stdout");
                break;
        }
        return Task.FromResult(new CheckResult(RawOutcome.Pass, null, seed, null));
    }

    private static ulong Recurse(ulong n) => n == ulong.MaxValue ? n : Recurse(n + 1) + 1;

    private static RequirementInfo Req(string id) => new(id, $"scripted {id}", "MUST", [], [], []);
}
