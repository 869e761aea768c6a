using Conformance.Adapters;
using Conformance.Adapters.NoIommu;
using Conformance.Suite;
using Conformance.Suite.Running;

namespace NoIommuSample;

/// <summary>
/// The whole of an implementer's conformance project: one class per adapter. Every requirement of the spec arrives
/// as an inherited test (<c>DMA_002__...</c>) with traits Requirement, Level, Capability, Platform and Check.
/// </summary>
public sealed class NoIommuConformance : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new NoIommuAdapterFactory();

    protected override Baseline? Baseline => Conformance.Suite.Running.Baseline.Load(Path.Combine(AppContext.BaseDirectory, "noiommu.default.json"));
}
