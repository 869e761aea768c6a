using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;

namespace Conformance.Suite.Tests;

/// <summary>Deliberate flaws of the sPAPR adapter.</summary>
public enum SpaprFlaw
{
    None,
    /// <summary>The TCE is written into the first window at that bus address on the host, whichever guest owns it.</summary>
    WrongWindow,
    /// <summary>TCE updates are never followed by OPAL_PCI_TCE_KILL: the PHB's TCE cache keeps stale translations.</summary>
    MissedTceKill,
    /// <summary>EEH calls address the neighbouring PE (number - 1): recovery thaws and resets a sibling.</summary>
    FreezeLeaksToSibling,
}

/// <summary>The sPAPR adapter with one <see cref="SpaprFlaw"/>.</summary>
public sealed class BrokenSpaprAdapterFactory(SpaprFlaw flaw) : SpaprAdapterFactory
{
    public override string Name => flaw == SpaprFlaw.None ? "spapr" : $"spapr-{flaw}".ToLowerInvariant();

    protected override SpaprAdapter CreateAdapter(IPlatformAccess platform) => new Host(platform, Capabilities, flaw);

    private sealed class Host(IPlatformAccess platform, AdapterCapabilities capabilities, SpaprFlaw flaw) : SpaprAdapter(platform, capabilities)
    {
        protected override SpaprGuest NewSpaprGuest(GuestConfig config) => new Guest(this, config, flaw);
    }

    private sealed class Guest(SpaprAdapter host, GuestConfig config, SpaprFlaw flaw) : SpaprGuest(host, config)
    {
        protected override ulong EntryAddress(SpaprWindow w, ulong ioba)
        {
            if (flaw != SpaprFlaw.WrongWindow) return base.EntryAddress(w, ioba);
            var first = ((SpaprAdapter)Host).AllWindows.Values.OrderBy(x => x.Liobn).First(x => ioba >= x.Start && ioba - x.Start < x.Size);
            return first.Table + ((ioba - first.Start) >> first.PageShift) * 8;
        }

        protected override bool KillAll() => flaw == SpaprFlaw.MissedTceKill || base.KillAll();

        protected override ulong PeNumber(int groupId) => flaw == SpaprFlaw.FreezeLeaksToSibling ? (ulong)(groupId - 1) : base.PeNumber(groupId);
    }
}

/// <summary>
/// Broken variants of the sPAPR adapter: each fails the requirement it breaks, and the failure names it; the correct
/// adapter passes the same check with the same seed.
/// </summary>
public sealed class PowerBrokenAdapterTests
{
    private static async Task<CheckResult> Run(SpaprFlaw flaw, string requirement)
    {
        var factory = new BrokenSpaprAdapterFactory(flaw);
        var catalog = new SuiteCatalog([factory]);
        var check = catalog.ChecksFor(requirement).Single();
        return await catalog.RunAsync(factory.Name, requirement, check, CheckRunner.DefaultSeed(requirement, check), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(SpaprFlaw.WrongWindow, "PWR-004")]
    [InlineData(SpaprFlaw.MissedTceKill, "DMA-003")]
    [InlineData(SpaprFlaw.FreezeLeaksToSibling, "PWR-003")]
    [InlineData(SpaprFlaw.FreezeLeaksToSibling, "ERR-001")]
    public async Task A_broken_sPAPR_variant_fails_the_requirement_it_breaks(SpaprFlaw flaw, string requirement)
    {
        var control = await Run(SpaprFlaw.None, requirement);
        Assert.True(control.Outcome == RawOutcome.Pass, $"control: {control.Outcome} {control.Message}");

        var broken = await Run(flaw, requirement);
        Assert.True(broken.Outcome == RawOutcome.Fail, $"{flaw}: {broken.Outcome} {broken.Message}");
        Assert.StartsWith(requirement + " ", broken.Message, StringComparison.Ordinal);
    }
}
