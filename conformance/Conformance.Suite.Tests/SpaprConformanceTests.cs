using Conformance.Suite.Running;
using Conformance.Adapters;
using Conformance.Adapters.Power;

namespace Conformance.Suite.Tests;

/// <summary>The suite on the sPAPR paravirt adapter over the POWER PHB4 model (platform power-phb), judged against its
/// shipped baseline, which is empty: every requirement that applies passes (those needing full-space DMA or hot reset,
/// capabilities sPAPR does not declare, are NotSupported).</summary>
public sealed class SpaprConformanceTests : AdapterConformanceTests
{
    protected override IAdapterFactory CreateAdapter() => new SpaprAdapterFactory();

    protected override Baseline? Baseline => Running.Baseline.Shipped("spapr", "default");
}
