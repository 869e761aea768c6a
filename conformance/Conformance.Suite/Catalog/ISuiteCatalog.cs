namespace Conformance.Suite.Catalog;

/// <summary>One requirement of spec/*.md as the generator read it.</summary>
public sealed record RequirementInfo(string Id, string Title, string Level, IReadOnlyList<string> Capabilities, IReadOnlyList<string> Platforms, IReadOnlyList<string> Sources);

/// <summary>An adapter the catalog can run: its name, its platform, and the profile it is judged against.</summary>
public sealed record AdapterInfo(string Name, string Platform, string Profile);

/// <summary>What a check did, before any baseline is applied.</summary>
public enum RawOutcome { Pass, Fail, NotSupported, Error }

/// <summary>The result of one check run: outcome, message (failure text with the requirement ID), the seed used, and
/// how to reproduce it (seed and shrunk operation sequence where the check generates one).</summary>
public sealed record CheckResult(RawOutcome Outcome, string? Message, ulong Seed, string? Reproduction);

/// <summary>The suite as data, for runners other than xunit (the <c>conformance run</c> CLI).</summary>
public interface ISuiteCatalog
{
    IReadOnlyList<RequirementInfo> Requirements { get; }

    /// <summary>The kit's reference adapters (today: noiommu), or the bound external adapters.</summary>
    IReadOnlyList<AdapterInfo> Adapters { get; }

    /// <summary>Check names of a requirement, stable across builds.</summary>
    IReadOnlyList<string> ChecksFor(string requirementId);

    Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct);
}
