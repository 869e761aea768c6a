using Conformance.Suite.Catalog;

namespace Conformance.Runner.Tests;

/// <summary>What a fake check does when run.</summary>
public enum Behavior { Pass, Fail, NotSupported, Error, Throw, Hang, FailOddly }

/// <summary>
/// An in-process catalog built in memory: adapters, requirements and their checks, and what each check does on each
/// adapter (Pass unless told otherwise). Records every call, so tests can see which checks ran with which seed.
/// </summary>
internal sealed class FakeCatalog : ISuiteCatalog
{
    private readonly List<AdapterInfo> _adapters = [];
    private readonly List<RequirementInfo> _requirements = [];
    private readonly Dictionary<string, List<string>> _checks = [];
    private readonly Dictionary<(string Adapter, string Requirement), Behavior> _behaviors = [];
    private readonly List<(string Adapter, string Requirement, string Check, ulong Seed)> _calls = [];

    public IReadOnlyList<RequirementInfo> Requirements => _requirements;
    public IReadOnlyList<AdapterInfo> Adapters => _adapters;
    public IReadOnlyList<(string Adapter, string Requirement, string Check, ulong Seed)> Calls => _calls;

    public IReadOnlyList<string> ChecksFor(string requirementId) => _checks.GetValueOrDefault(requirementId) ?? [];

    public FakeCatalog Adapter(string name, string platform = "none", string profile = "default")
    {
        _adapters.Add(new AdapterInfo(name, platform, profile));
        return this;
    }

    public FakeCatalog Requirement(string id, params string[] checks) => Requirement(id, [], checks);

    public FakeCatalog Requirement(string id, string[] platforms, params string[] checks)
    {
        _requirements.Add(new RequirementInfo(id, $"title of {id}", id.EndsWith('9') ? "SHOULD" : "MUST", ["cap-" + id.ToLowerInvariant()], platforms, ["seed line 1"]));
        _checks[id] = checks.Length == 0 ? ["main"] : [.. checks];
        return this;
    }

    /// <summary>Every check of <paramref name="requirement"/> on <paramref name="adapter"/> behaves so.</summary>
    public FakeCatalog Behave(string adapter, string requirement, Behavior behavior)
    {
        _behaviors[(adapter, requirement)] = behavior;
        return this;
    }

    public async Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct)
    {
        lock (_calls) _calls.Add((adapterName, requirementId, checkName, seed));
        switch (_behaviors.GetValueOrDefault((adapterName, requirementId)))
        {
            case Behavior.Fail:
                return new CheckResult(RawOutcome.Fail, $"{requirementId}: DMA reached 0x2000 outside the mapping", seed, "map 0x1000 4KiB; dma read 0x2000");
            case Behavior.FailOddly:
                return new CheckResult(RawOutcome.Fail, "bytes \0\u001b[31m <&> ]]> \"quoted\" | pipe\nsecond line ```", seed, "step 1\n```\nstep 2");
            case Behavior.NotSupported:
                return new CheckResult(RawOutcome.NotSupported, "needs capability msix-mappable", seed, null);
            case Behavior.Error:
                return new CheckResult(RawOutcome.Error, "harness error", seed, null);
            case Behavior.Throw:
                throw new InvalidOperationException("the adapter threw");
            case Behavior.Hang:
                await Task.Delay(Timeout.Infinite, CancellationToken.None).ConfigureAwait(false); // ignores the token on purpose
                return null!;
            default:
                await Task.Yield();
                return new CheckResult(RawOutcome.Pass, null, seed, null);
        }
    }
}
