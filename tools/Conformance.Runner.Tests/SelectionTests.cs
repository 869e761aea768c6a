using CsCheck;

namespace Conformance.Runner.Tests;

public class SelectionTests
{
    [Theory]
    [InlineData("DMA-*", "DMA-001", true)]
    [InlineData("DMA-*", "GRP-001", false)]
    [InlineData("GRP-00?", "GRP-001", true)]
    [InlineData("GRP-00?", "GRP-0010", false)]
    [InlineData("GRP-00?,DMA-002", "DMA-002", true)]
    [InlineData(" DMA-002 , MSI-* ", "MSI-009", true)]
    [InlineData("dma-*", "DMA-001", false)]
    [InlineData("*", "VTD-001", true)]
    public void Filter_globs_match_requirement_ids(string filter, string id, bool matches) =>
        Assert.Equal(matches, RequirementFilter.Parse(filter).Matches(id));

    [Theory]
    [InlineData("")]
    [InlineData("DMA-*,")]
    [InlineData("DMA-[0-9]")]
    [InlineData("DMA 001")]
    [InlineData("DMA-001;GRP-*")]
    public void A_filter_that_is_not_a_list_of_id_globs_is_rejected(string filter)
    {
        var e = Assert.Throws<UsageException>(() => RequirementFilter.Parse(filter));
        Assert.StartsWith("--filter", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("42", 42UL)]
    [InlineData("0x2A", 42UL)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void Seeds_are_written_in_decimal_or_hex(string text, ulong seed) => Assert.Equal(seed, Seeds.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("0x")]
    [InlineData("0x1_0000_0000_0000_0000")]
    [InlineData("18446744073709551616")]
    [InlineData("seed")]
    [InlineData("1e3")]
    public void A_seed_that_is_not_a_64_bit_number_is_rejected(string text) =>
        Assert.StartsWith("--seed", Assert.Throws<UsageException>(() => Seeds.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public async Task A_checks_seed_depends_on_run_seed_and_identity_but_not_on_which_other_tests_run()
    {
        RunResult all = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 7 });
        RunResult some = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 7, Filter = RequirementFilter.Parse("DMA-002"), Adapters = ["noiommu"] });
        RunResult other = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 8 });

        var seeds = all.Tests.ToDictionary(t => t.Test.Identity, t => t.Seed);
        Assert.All(some.Tests, t => Assert.Equal(seeds[t.Test.Identity], t.Seed));
        Assert.Equal(all.Tests.Count, seeds.Values.Distinct().Count());
        Assert.All(other.Tests, t => Assert.NotEqual(seeds[t.Test.Identity], t.Seed));
        // The catalog saw exactly the seeds the report carries.
        var kit = Runs.Kit();
        RunResult again = await Runs.ExecuteAsync(kit, new RunOptions { Seed = 7 });
        Assert.Equal(again.Tests.Select(t => t.Seed), kit.Calls.Select(c => c.Seed));
        Assert.Equal(all.Tests.Select(t => t.Seed), again.Tests.Select(t => t.Seed));
    }

    [Fact]
    public async Task The_run_seed_is_announced_before_the_first_test_and_a_default_one_is_drawn()
    {
        var observer = new RecordingObserver();
        RunResult run = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions(), observer);
        Assert.Equal("start", observer.Events[0]);
        Assert.Equal(run.Seed, observer.Header!.Seed);
        Assert.Equal(run.Tests.Count, observer.Header.Tests.Count);
        Assert.Equal("finish", observer.Events[^1]);
    }

    [Fact]
    public async Task Requirements_for_another_platform_are_not_run_on_an_adapter()
    {
        RunResult run = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 1, Filter = RequirementFilter.Parse("VTD-*") });
        Assert.Equal(["vtd"], run.Tests.Select(t => t.Test.Adapter.Name).Distinct());
        Assert.Null(run.Cell("VTD-001", "noiommu"));
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/4", 3, 4)]
    public void Shards_parse_as_I_of_N(string text, int index, int count) => Assert.Equal(new Shard(index, count), Shard.Parse(text));

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("1/2/3")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    public void A_shard_outside_1_to_N_is_rejected(string text) =>
        Assert.StartsWith("--shard", Assert.Throws<UsageException>(() => Shard.Parse(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void N_shards_cover_every_test_exactly_once_whatever_the_tests_and_their_order()
    {
        var identity = Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 6], Gen.String[Gen.Char.AlphaNumeric, 1, 8], (a, r) => new TestIdentity(a, "default", r, "main"));
        Gen.Select(identity.HashSet[0, 60], Gen.Int[1, 9]).Sample((tests, n) =>
        {
            var shards = Enumerable.Range(1, n).Select(i => new Shard(i, n)).ToList();
            foreach (TestIdentity t in tests)
            {
                if (shards.Count(s => s.Contains(t)) != 1) return false;
            }
            return true;
        }, iter: 300);
    }

    [Fact]
    public void A_tests_shard_depends_only_on_its_identity()
    {
        var t = new TestIdentity("noiommu", "default", "DMA-002", "unmapped-blocked");
        var shard = Enumerable.Range(1, 5).Select(i => new Shard(i, 5)).Single(s => s.Contains(t));
        // The same identity lands in the same shard every time; a different check of the same requirement may not.
        Assert.True(shard.Contains(new TestIdentity("noiommu", "default", "DMA-002", "unmapped-blocked")));
        var spread = Enumerable.Range(0, 200).Select(i => new TestIdentity("a", "p", $"R-{i:000}", "c"))
            .GroupBy(x => Enumerable.Range(1, 4).Single(i => new Shard(i, 4).Contains(x))).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, spread.Count);
        Assert.All(spread.Values, c => Assert.InRange(c, 25, 75));
    }

    [Fact]
    public async Task Sharded_runs_together_run_the_whole_run_once_and_share_a_run_id()
    {
        RunResult whole = await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 99 });
        var parts = new List<RunResult>();
        for (int i = 1; i <= 3; i++) parts.Add(await Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Seed = 99, Shard = new Shard(i, 3) }));

        var merged = parts.SelectMany(p => p.Tests).Select(t => (t.Test.Identity, t.Seed, t.Outcome)).OrderBy(x => x.Identity.Key, StringComparer.Ordinal);
        var expected = whole.Tests.Select(t => (t.Test.Identity, t.Seed, t.Outcome)).OrderBy(x => x.Identity.Key, StringComparer.Ordinal);
        Assert.Equal(expected, merged);
        Assert.Single(parts.Select(p => p.RunId).Distinct());
        Assert.All(parts, p => Assert.NotEmpty(p.Tests));
    }

    [Fact]
    public async Task Unknown_adapters_and_profiles_are_bad_input()
    {
        var e = await Assert.ThrowsAsync<UsageException>(() => Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Adapters = ["amd"] }));
        Assert.Equal("--adapter \"amd\": unknown adapter (known: vtd, noiommu)", e.Message);
        var p = await Assert.ThrowsAsync<UsageException>(() => Runs.ExecuteAsync(Runs.Kit(), new RunOptions { Profile = "strict" }));
        Assert.StartsWith("--profile \"strict\"", p.Message, StringComparison.Ordinal);
    }
}
