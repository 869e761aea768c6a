using Conformance.Adapters;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;

namespace Conformance.Suite.Tests;

/// <summary>The catalog the runner codes against.</summary>
public sealed class CatalogTests
{
    private static readonly string[] Levels = ["MUST", "SHOULD", "MAY"];

    [Fact]
    public void The_default_catalog_lists_every_spec_requirement_with_its_checks_and_the_kit_adapters()
    {
        var catalog = SuiteCatalog.Default;
        Assert.Equal(["noiommu", "intel-vtd", "amd-vi", "spapr"], catalog.Adapters.Select(a => a.Name));
        Assert.Equal(["none", "intel-vtd", "amd-vi", "power-phb"], catalog.Adapters.Select(a => a.Platform));
        Assert.True(catalog.Requirements.Count >= 20);
        Assert.All(catalog.Requirements, r =>
        {
            Assert.Matches("^[A-Z]{2,6}-[0-9]{3}$", r.Id);
            Assert.Contains(r.Level, Levels);
            Assert.NotEmpty(catalog.ChecksFor(r.Id));
            Assert.All(r.Capabilities, c => Assert.Contains(c, CapabilityNames.All));
        });
    }

    [Fact]
    public async Task Running_through_the_catalog_gives_the_same_outcomes_the_baseline_expects()
    {
        var catalog = SuiteCatalog.Default;
        var baseline = SuiteCatalog.ShippedBaseline("noiommu", "default")!;
        var failed = new List<string>();
        foreach (var r in catalog.Requirements.Where(r => r.Id is "DMA-001" or "DMA-002" or "IRQ-003" or "GRP-001" or "DMA-004"))
        {
            var check = catalog.ChecksFor(r.Id)[0];
            var result = await catalog.RunAsync("noiommu", r.Id, check, 1, TestContext.Current.CancellationToken);
            Assert.Equal(1UL, result.Seed);
            if (result.Outcome == RawOutcome.Fail) failed.Add(r.Id);
            if (r.Id == "DMA-004") Assert.Equal(RawOutcome.NotSupported, result.Outcome);
        }
        Assert.Equal(["DMA-002", "IRQ-003"], failed.Order());
        Assert.All(failed, id => Assert.Equal(FinalOutcome.ExpectedFail, baseline.Judge(id, RawOutcome.Fail)));
        Assert.Equal(FinalOutcome.UnexpectedPass, baseline.Judge("DMA-002", RawOutcome.Pass));
    }

    [Fact]
    public void An_external_adapter_assembly_binds_by_reflection()
    {
        var catalog = SuiteCatalog.Bind(typeof(TestPlatform.TestIommuAdapterFactory).Assembly);
        Assert.Contains(catalog.Adapters, a => a.Name == "test-iommu" && a.Platform == "test-iommu");
        Assert.Throws<ArgumentException>(() => SuiteCatalog.Bind(typeof(string).Assembly));
    }

    [Fact]
    public void A_malformed_baseline_is_refused_with_a_message()
    {
        var e = Assert.Throws<FormatException>(() => Baseline.Parse("""{ "adapter": "noiommu", "profile": "default", "expected": { "DMA-002": { "outcome": "maybe" } } }""", "b.json"));
        Assert.Contains("b.json: DMA-002", e.Message, StringComparison.Ordinal);
    }
}
