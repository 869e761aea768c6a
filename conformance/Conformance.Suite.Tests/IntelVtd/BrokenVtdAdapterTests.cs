using Conformance.Adapters.IntelVtd;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;

namespace Conformance.Suite.Tests.IntelVtd;

/// <summary>
/// The VT-d adapter made unsafe by configuration (VFIO's allow_unsafe_interrupts). The deliberately broken VT-d
/// variants themselves live in adapters/Conformance.Adapters.Broken and are run by conformance/Conformance.Adapters.Broken.Tests.
/// </summary>
public sealed class BrokenVtdAdapterTests
{
    private static async Task<CheckResult> Run(VtdAdapterFactory factory, string requirement)
    {
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor(requirement).Single();
        return await catalog.RunAsync(factory.Name, requirement, check, CheckRunner.DefaultSeed(requirement, check), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_unsafe_interrupts_opt_in_is_what_lets_attach_proceed_without_interrupt_remapping()
    {
        var safe = await Run(new VtdAdapterFactory(), "VTD-004");
        Assert.Equal(RawOutcome.Pass, safe.Outcome);
        var unsafeOptIn = await Run(new VtdAdapterFactory(allowUnsafeInterrupts: true), "VTD-004");
        Assert.Equal(RawOutcome.Fail, unsafeOptIn.Outcome);
        Assert.Contains("must be refused with Permission", unsafeOptIn.Message, StringComparison.Ordinal);
    }
}
