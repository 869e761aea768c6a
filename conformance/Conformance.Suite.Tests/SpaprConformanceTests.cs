using Conformance.Adapters;
using Conformance.Adapters.Power;

namespace Conformance.Suite.Tests;

/// <summary>The suite on the sPAPR paravirt adapter over the POWER PHB4 model (platform power-phb), with no baseline:
/// every requirement passes or is NotSupported for a capability it lacks.</summary>
public sealed class SpaprConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new SpaprAdapterFactory();
}
