using Conformance.Adapters.Power;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;

namespace Conformance.Suite.Tests;

/// <summary>architecture.md: isolation requirements are never gated by a capability — an adapter cannot opt out of a
/// requirement that needs no capability by answering NotSupported.</summary>
public sealed class NoOptOutTests
{
    [Fact]
    public async Task An_adapter_answering_NotSupported_to_a_requirement_that_needs_no_capability_fails_it()
    {
        // The sPAPR adapter does not implement MSI routing yet and answers NotSupported; IRQ-003 needs no capability.
        var factory = new SpaprAdapterFactory();
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor("IRQ-003").Single();
        var result = await catalog.RunAsync(factory.Name, "IRQ-003", check, CheckRunner.DefaultSeed("IRQ-003", check), TestContext.Current.CancellationToken);
        Assert.Equal(RawOutcome.Fail, result.Outcome);
        Assert.Contains("needs no capability, so no adapter may opt out of it", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_requirement_whose_capability_the_adapter_lacks_is_NotSupported()
    {
        var factory = new SpaprAdapterFactory(); // no dma.full-space
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor("DMA-004").Single();
        var result = await catalog.RunAsync(factory.Name, "DMA-004", check, 1, TestContext.Current.CancellationToken);
        Assert.Equal(RawOutcome.NotSupported, result.Outcome);
    }
}
