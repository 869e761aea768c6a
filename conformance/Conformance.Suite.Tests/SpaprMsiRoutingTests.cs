using Conformance.Adapters;
using Conformance.Adapters.Power;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;

namespace Conformance.Suite.Tests;

/// <summary>The sPAPR adapter's MSI-X routing on the POWER model: PHB source, MIST, 64-bit MSI message, XIVE EAS.</summary>
public sealed class SpaprMsiRoutingTests
{
    private static readonly Reference.Pci.Bdf Solo = ScenarioTopology.Solo;

    private static async Task<(Scenario S, IHostAdapter Host, SpaprGuest G, int Group)> Start(uint vcpu)
    {
        var s = new Scenario(7, new PowerPhbPlatform());
        var adapter = new SpaprAdapterFactory().Create(s.Access);
        var g = (SpaprGuest)(await adapter.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [vcpu]), CancellationToken.None)).Value;
        int group = s.Facts.GroupOf(Solo)!.Id;
        Assert.True((await g.AttachGroupAsync(group, CancellationToken.None)).IsOk);
        return (s, adapter, g, group);
    }

    [Fact]
    public async Task A_routed_entry_carries_the_PHB_message_and_reaches_the_vCPU_with_the_guest_vector()
    {
        var (s, _, g, _) = await Start(vcpu: 3);
        Assert.True((await g.RouteMsixAsync(Solo, 2, new GuestVector(3, 0x41), CancellationToken.None)).IsOk);
        var (address, data, masked) = s.Function(Solo).MsixEntry(2);
        int source = g.MsiSources[(Solo, 2)].Source;
        Assert.False(masked);
        Assert.Equal(1UL, address >> 60); // OPAL_GET_MSI_64: the 64-bit MSI window
        Assert.Equal(source, (int)(((address & 0xf_ffff) >> 4) & 0xffff | (data & 0x1f)));
        var o = s.Function(Solo).RaiseVector(2);
        Assert.Equal(InterruptOutcome.Delivered(3, 0x41), o);
    }

    [Fact]
    public async Task After_detach_the_old_message_reaches_nothing_and_the_source_is_free_for_the_next_owner()
    {
        var (s, host, g, group) = await Start(vcpu: 3);
        Assert.True((await g.RouteMsixAsync(Solo, 0, new GuestVector(3, 0x41), CancellationToken.None)).IsOk);
        var (address, data, _) = s.Function(Solo).MsixEntry(0);
        var spapr = (SpaprAdapter)host;
        Assert.Equal(1, spapr.MsisInUse);
        Assert.True((await g.DetachGroupAsync(group, CancellationToken.None)).IsOk);
        Assert.Equal(0, spapr.MsisInUse);
        // The device replays the message it was given: the EAS is masked, nothing is delivered.
        int before = s.Machine.Interrupts.All.Count();
        var replay = s.Machine.Msi(Solo, address, data);
        Assert.Equal(InterruptResultKind.Blocked, replay.Kind);
        Assert.Contains("is masked", replay.Why, StringComparison.Ordinal);
        Assert.Equal(before, s.Machine.Interrupts.All.Count());

        var b = (SpaprGuest)(await host.CreateGuestAsync(new GuestConfig("B", 1UL << 20, [9]), CancellationToken.None)).Value;
        Assert.True((await b.AttachGroupAsync(group, CancellationToken.None)).IsOk);
        Assert.True((await b.RouteMsixAsync(Solo, 5, new GuestVector(9, 0x77), CancellationToken.None)).IsOk);
        Assert.Equal(InterruptOutcome.Delivered(9, 0x77), s.Function(Solo).RaiseVector(5));
        Assert.True((await b.DestroyAsync(CancellationToken.None)).IsOk);
        Assert.Equal(0, spapr.MsisInUse);
        Assert.Contains("is masked", s.Machine.Msi(Solo, address, data).Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_guest_replaying_another_guests_message_is_blocked_by_the_MIST()
    {
        var (s, host, g, _) = await Start(vcpu: 3);
        Assert.True((await g.RouteMsixAsync(Solo, 0, new GuestVector(3, 0x41), CancellationToken.None)).IsOk);
        var (address, data, _) = s.Function(Solo).MsixEntry(0);
        var b = (SpaprGuest)(await host.CreateGuestAsync(new GuestConfig("B", 1UL << 20, [9]), CancellationToken.None)).Value;
        Assert.True((await b.AttachGroupAsync(s.Facts.GroupOf(ScenarioTopology.PairA)!.Id, CancellationToken.None)).IsOk);
        var o = s.Machine.Msi(ScenarioTopology.PairA, address, data);
        Assert.Equal(InterruptResultKind.Blocked, o.Kind);
        Assert.Contains("belongs to PE#", o.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_entry_is_masked_in_the_XIVE_too_so_rewriting_the_mapped_table_brings_nothing_back()
    {
        var (s, host, g, _) = await Start(vcpu: 3);
        Assert.True((await g.RouteMsixAsync(Solo, 1, new GuestVector(3, 0x52), CancellationToken.None)).IsOk);
        var (address, data, _) = s.Function(Solo).MsixEntry(1);
        Assert.Equal(1, ((SpaprAdapter)host).MsisInUse);
        Assert.True((await g.DisableMsixAsync(Solo, 1, CancellationToken.None)).IsOk);
        Assert.True(s.Function(Solo).MsixEntry(1).Masked);
        Assert.Equal(0, ((SpaprAdapter)host).MsisInUse);
        Assert.False(g.MsiSources.ContainsKey((Solo, 1)));
        // The table is mappable on POWER: the guest puts the old message back and unmasks it; the EAS stays masked.
        int before = s.Machine.Interrupts.All.Count();
        var replay = s.Machine.Msi(Solo, address, data);
        Assert.Equal(InterruptResultKind.Blocked, replay.Kind);
        Assert.Equal(before, s.Machine.Interrupts.All.Count());
    }
}
