using Conformance.Adapters;
using Conformance.Adapters.NoIommu;
using Conformance.Suite;
using Conformance.Suite.Running;

namespace Conformance.Suite.Tests;

/// <summary>
/// The kit's own run of the suite on the NOIOMMU negative control, judged against the shipped baseline: its known
/// isolation failures show as ExpectedFail skips, so this class passes; a change that made it pass an isolation
/// requirement would show as UnexpectedPass (a failure).
/// </summary>
public sealed class NoIommuConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new NoIommuAdapterFactory();

    protected override Baseline? Baseline => Running.Baseline.Shipped("noiommu", "default");
}
