// INTERIM copy of the suite's published catalog contract (conformance/Conformance.Suite/Catalog/), kept only until the
// `suite` branch publishes it; then this file is deleted and Conformance.Runner references Conformance.Suite.
using System.Reflection;

namespace Conformance.Suite.Catalog;

public sealed record RequirementInfo(string Id, string Title, string Level, IReadOnlyList<string> Capabilities, IReadOnlyList<string> Platforms, IReadOnlyList<string> Sources);

public sealed record AdapterInfo(string Name, string Platform, string Profile);

public enum RawOutcome { Pass, Fail, NotSupported, Error }

public sealed record CheckResult(RawOutcome Outcome, string? Message, ulong Seed, string? Reproduction);

public interface ISuiteCatalog
{
    IReadOnlyList<RequirementInfo> Requirements { get; }
    IReadOnlyList<AdapterInfo> Adapters { get; }
    IReadOnlyList<string> ChecksFor(string requirementId);
    Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct);
}

public static class SuiteCatalog
{
    public static ISuiteCatalog Default { get; } = new EmptyCatalog();

    public static ISuiteCatalog? Bind(Assembly adapterAssembly)
    {
        _ = adapterAssembly;
        return null;
    }

    private sealed class EmptyCatalog : ISuiteCatalog
    {
        public IReadOnlyList<RequirementInfo> Requirements => [];
        public IReadOnlyList<AdapterInfo> Adapters => [];
        public IReadOnlyList<string> ChecksFor(string requirementId) => [];
        public Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct) =>
            throw new InvalidOperationException("the interim catalog has no checks");
    }
}
