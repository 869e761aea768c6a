using Conformance.Adapters.IntelVtd;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;

namespace Conformance.Suite.Tests.IntelVtd;

/// <summary>
/// Broken variants of the VT-d reference adapter: the suite catches each on the requirement it breaks (and the
/// failure names it); the correct adapter passes the same check. Each is catchable only because the VT-d model
/// caches as hardware does (IOTLB tagged by DID, stale until invalidated) and verifies IRTE source IDs.
/// </summary>
public sealed class BrokenVtdAdapterTests
{
    private static async Task<CheckResult> Run(VtdAdapterFactory factory, string requirement)
    {
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor(requirement).Single();
        return await catalog.RunAsync(factory.Name, requirement, check, CheckRunner.DefaultSeed(requirement, check), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(VtdFlaw.MissedIotlbInvalidation, "VTD-001")]
    [InlineData(VtdFlaw.MissedIotlbInvalidation, "DMA-003")]
    [InlineData(VtdFlaw.SharedDomainId, "VTD-002")]
    [InlineData(VtdFlaw.NoSourceIdValidation, "VTD-003")]
    [InlineData(VtdFlaw.SplitGroup, "GRP-002")]
    public async Task A_broken_VT_d_variant_fails_the_requirement_it_breaks_and_the_failure_names_it(VtdFlaw flaw, string requirement)
    {
        var control = await Run(new VtdAdapterFactory(), requirement);
        Assert.True(control.Outcome == RawOutcome.Pass, $"the correct adapter: {control.Outcome} {control.Message}");

        var broken = await Run(new BrokenVtdAdapterFactory(flaw), requirement);
        Assert.True(broken.Outcome == RawOutcome.Fail, $"{flaw}: {broken.Outcome} {broken.Message}");
        Assert.StartsWith(requirement + " ", broken.Message, StringComparison.Ordinal);
        Assert.Contains("seed: ", broken.Reproduction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shared_DID_variant_is_caught_by_DMA_landing_in_the_other_owners_memory()
    {
        var broken = await Run(new BrokenVtdAdapterFactory(VtdFlaw.SharedDomainId), "VTD-002");
        Assert.Contains("DID 1", broken.Message, StringComparison.Ordinal);
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
