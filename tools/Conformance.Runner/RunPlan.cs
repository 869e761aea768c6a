using System.Globalization;
using Conformance.Suite.Catalog;

namespace Conformance.Runner;

/// <summary>
/// What identifies a test across runs, shards and machines: adapter, profile, requirement and check — never the seed
/// (formats.md §5). Shards and baselines are keyed by it.
/// </summary>
public readonly record struct TestIdentity(string Adapter, string Profile, string RequirementId, string Check)
{
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Adapter}/{Profile}/{RequirementId}/{Check}");

    public override string ToString() => Key;
}

/// <summary>One test the run will execute: a check of a requirement on an adapter, with its derived seed.</summary>
public sealed record PlannedTest(AdapterInfo Adapter, string Profile, RequirementInfo Requirement, string Check, ulong Seed)
{
    public TestIdentity Identity => new(Adapter.Name, Profile, Requirement.Id, Check);
}

/// <summary>Turns a catalog and the run's options into the ordered list of tests of this shard.</summary>
public static class RunPlan
{
    /// <summary>
    /// Every (adapter, requirement, check) the options select, in catalog order: adapters, then requirements, then
    /// checks. A requirement that names platforms applies only to adapters on one of them.
    /// </summary>
    public static IReadOnlyList<PlannedTest> Build(ISuiteCatalog catalog, IReadOnlyList<AdapterInfo> adapters, RequirementFilter filter, ulong runSeed, Shard shard)
    {
        var tests = new List<PlannedTest>();
        foreach (AdapterInfo adapter in adapters)
        {
            foreach (RequirementInfo requirement in catalog.Requirements)
            {
                if (!filter.Matches(requirement.Id) || !AppliesTo(requirement, adapter)) continue;
                foreach (string check in catalog.ChecksFor(requirement.Id))
                {
                    var test = new PlannedTest(adapter, adapter.Profile, requirement, check,
                        Seeds.Derive(runSeed, requirement.Id, check, adapter.Name));
                    if (shard.Contains(test.Identity)) tests.Add(test);
                }
            }
        }
        return tests;
    }

    public static bool AppliesTo(RequirementInfo requirement, AdapterInfo adapter) =>
        requirement.Platforms.Count == 0
        || requirement.Platforms.Any(p => p == adapter.Platform || p is "all" or "any" or "*");
}
