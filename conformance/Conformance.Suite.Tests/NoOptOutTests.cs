using Conformance.Adapters;
using Conformance.Adapters.Platform;
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
        // An sPAPR adapter that answers NotSupported to MSI-X routing; IRQ-003 needs no capability.
        var factory = new NoRoutingSpaprFactory();
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

    /// <summary>The sPAPR adapter with MSI-X routing answered NotSupported (as it was before it routed through XIVE).</summary>
    private sealed class NoRoutingSpaprFactory : SpaprAdapterFactory
    {
        public override string Name => "spapr-no-routing";

        protected override SpaprAdapter CreateAdapter(IPlatformAccess platform) => new Host(platform, Capabilities);

        private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities) : SpaprAdapter(platform, capabilities)
        {
            protected override SpaprGuest NewSpaprGuest(GuestConfig config) => new Guest(this, config);
        }

        private sealed class Guest(SpaprAdapter host, GuestConfig config) : SpaprGuest(host, config)
        {
            protected override ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct) =>
                new(AdapterError.NotSupported("this variant does not route MSI-X"));
        }
    }
}
