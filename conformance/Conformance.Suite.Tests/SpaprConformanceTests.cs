using Conformance.Suite.Running;
using Conformance.Adapters;
using Conformance.Adapters.Power;

namespace Conformance.Suite.Tests;

/// <summary>The suite on the sPAPR paravirt adapter over the POWER PHB4 model (platform power-phb), judged against its
/// shipped baseline: the requirements that need MSI routing (not implemented yet) are ExpectedFail; an adapter may not
/// answer NotSupported to a requirement that needs no capability.</summary>
public sealed class SpaprConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new SpaprAdapterFactory();

    protected override Baseline? Baseline => Running.Baseline.Shipped("spapr", "default");
}
