using Conformance.Adapters;
using Conformance.Adapters.AmdVi;

namespace Conformance.Suite.Tests;

/// <summary>The suite on the AMD-Vi reference adapter over the AMD-Vi model: every requirement passes or is
/// NotSupported (only for capabilities it does not declare).</summary>
public sealed class AmdViConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new AmdViAdapterFactory();
}
