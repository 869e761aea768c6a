using Conformance.Suite.Catalog;
using Conformance.Suite.Running;
using Conformance.Suite.Tests.TestPlatform;

namespace Conformance.Suite.Tests;

/// <summary>
/// Deliberately broken variants of the correct test-IOMMU adapter: the suite must catch each one, and the failure
/// must name the requirement. The correct adapter is the control: the same checks pass on it.
/// </summary>
public sealed class BrokenAdapterTests
{
    private static async Task<CheckResult> Run(Flaw flaw, string requirement)
    {
        var factory = new TestIommuAdapterFactory(flaw);
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor(requirement).Single();
        return await catalog.RunAsync(factory.Name, requirement, check, CheckRunner.DefaultSeed(requirement, check), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(Flaw.SplitGroup, "GRP-002")]
    [InlineData(Flaw.SkipUnmap, "DMA-003")]
    [InlineData(Flaw.SkipUnmap, "DMA-010")]
    [InlineData(Flaw.StaleTranslation, "DMA-003")]
    [InlineData(Flaw.NoPin, "DMA-008")]
    public async Task A_broken_variant_fails_the_requirement_it_breaks_and_the_failure_names_it(Flaw flaw, string requirement)
    {
        var control = await Run(Flaw.None, requirement);
        Assert.Equal(RawOutcome.Pass, control.Outcome);

        var broken = await Run(flaw, requirement);
        Assert.Equal(RawOutcome.Fail, broken.Outcome);
        Assert.StartsWith(requirement + " ", broken.Message, StringComparison.Ordinal);
        Assert.Contains("seed: ", broken.Reproduction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_based_failure_shows_the_CsCheck_seed_and_the_shrunk_operations()
    {
        var broken = await Run(Flaw.SkipUnmap, "DMA-010");
        Assert.Equal(RawOutcome.Fail, broken.Outcome);
        Assert.Contains("Operations", broken.Reproduction, StringComparison.Ordinal);
        Assert.Contains("unmap iova page", broken.Reproduction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_split_group_variant_is_caught_on_the_function_left_outside_the_domain()
    {
        var broken = await Run(Flaw.SplitGroup, "GRP-002");
        Assert.Contains("0000:02:00.1", broken.Message, StringComparison.Ordinal);
        Assert.Contains("not attached whole", broken.Message, StringComparison.Ordinal);
    }
}
