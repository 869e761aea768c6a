using Conformance.Adapters;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;

namespace Conformance.Adapters.Broken.Tests;

/// <summary>
/// Run through the suite, every broken variant fails each requirement it names (and the failure names it), where
/// the reference adapter it is made from passes the same check with the same seed.
/// </summary>
public sealed class VariantRuntimeTests
{
    private static async Task<CheckResult> Run(IAdapterFactory factory, string requirement)
    {
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor(requirement).Single();
        return await catalog.RunAsync(factory.Name, requirement, check, CheckRunner.DefaultSeed(requirement, check), TestContext.Current.CancellationToken);
    }

    [Theory]
    [MemberData(nameof(Variants.Broken), MemberType = typeof(Variants))]
    public async Task A_broken_variant_fails_the_requirement_it_breaks_where_its_reference_adapter_passes(string variant, string requirement)
    {
        var v = Variants.Named(variant);
        var control = await Run(v.Control(), requirement);
        Assert.True(control.Outcome == RawOutcome.Pass, $"the reference adapter on {requirement}: {control.Outcome} {control.Message}");

        var broken = await Run(v.Create(), requirement);
        Assert.True(broken.Outcome == RawOutcome.Fail, $"{variant} on {requirement}: {broken.Outcome} {broken.Message}");
        Assert.StartsWith(requirement + " ", broken.Message, StringComparison.Ordinal);
        Assert.Contains("seed: ", broken.Reproduction, StringComparison.Ordinal);
    }

    // Today the suite sees every variant's defect; the attribute stays for the next one it cannot see.
    [Theory(SkipTestWithoutData = true)]
    [MemberData(nameof(Variants.UnseenBySuite), MemberType = typeof(Variants))]
    public async Task A_variant_only_the_analyzer_sees_still_passes_the_check_it_claims_is_blind(string variant, string requirement)
    {
        var broken = await Run(Variants.Named(variant).Create(), requirement);
        Assert.True(broken.Outcome == RawOutcome.Pass,
            $"{variant} on {requirement}: {broken.Outcome} {broken.Message} — the suite now sees this defect: make it [BreaksRequirement(\"{requirement}\")]");
    }

    [Theory]
    [MemberData(nameof(Variants.Names), MemberType = typeof(Variants))]
    public void Every_variant_is_an_adapter_with_a_reference_control_and_says_what_it_breaks_and_what_sees_it(string variant)
    {
        var v = Variants.Named(variant);
        Assert.True(v.Breaks.Count + v.Unseen.Count > 0, $"{variant} names no requirement ([BreaksRequirement] or [UnseenBySuite])");
        Assert.True(v.ExpectedIds.Count > 0 ^ v.Invisible is not null, $"{variant} needs exactly one of [ExpectedDiagnostic] and [StaticallyInvisible]");
        Assert.False(v.Unseen.Count > 0 && v.Invisible is not null, $"{variant} is invisible to both the suite and the analyzer: nothing in the kit catches it");
        Assert.All(v.ExpectedIds, id => Assert.Matches("^DAK00[1-7]$", id));
        Assert.Equal(VariantNames.Of(v.Type), v.Create().Name);
        Assert.NotEqual(v.Control().Name, v.Create().Name);
    }

    [Fact]
    public async Task The_model_based_check_shows_the_CsCheck_seed_and_the_shrunk_operations_for_an_unmap_that_keeps_its_entries()
    {
        var broken = await Run(Variants.Named("VtdUnmapKeepsEntries").Create(), "DMA-010");
        Assert.Equal(RawOutcome.Fail, broken.Outcome);
        Assert.Contains("Operations", broken.Reproduction, StringComparison.Ordinal);
        Assert.Contains("unmap iova page", broken.Reproduction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shared_DID_variant_is_caught_by_DMA_landing_in_the_other_owners_memory()
    {
        var broken = await Run(Variants.Named("VtdSharedDomainId").Create(), "VTD-002");
        Assert.Contains("DID 1", broken.Message, StringComparison.Ordinal);
    }
}
