using Conformance.Adapters;
using Conformance.Adapters.IntelVtd;

namespace Conformance.Suite.Tests;

/// <summary>The suite on the Intel VT-d reference adapter over the VT-d model: every requirement passes or is
/// NotSupported (only for capabilities it does not declare).</summary>
public sealed class VtdConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new VtdAdapterFactory();
}
