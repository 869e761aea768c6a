using Conformance.Adapters;
using Conformance.Suite.Tests.TestPlatform;

namespace Conformance.Suite.Tests;

/// <summary>The suite on a correct adapter over the test IOMMU: every requirement passes or is NotSupported.</summary>
public sealed class TestIommuConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new TestIommuAdapterFactory();
}
