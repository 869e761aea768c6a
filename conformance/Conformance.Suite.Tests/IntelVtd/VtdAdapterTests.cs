using Conformance.Adapters;
using Conformance.Adapters.IntelVtd;
using Conformance.Reference.IntelVtd;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Tests.IntelVtd;

/// <summary>The VT-d adapter's driver behaviour seen from the unit: what it leaves in the registers and queue.</summary>
public sealed class VtdAdapterTests
{
    private static async Task<(Scenario Scenario, IGuest Guest)> Start(bool interruptRemapping, bool allowUnsafe)
    {
        var scenario = new Scenario(7, new IntelVtdPlatform(interruptRemapping));
        var adapter = new VtdAdapterFactory(allowUnsafe).Create(scenario.Access);
        var guest = (await adapter.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [1, 2]), TestContext.Current.CancellationToken)).Value;
        return (scenario, guest);
    }

    [Fact]
    public async Task Bring_up_enables_translation_queued_invalidation_and_interrupt_remapping_and_unmap_leaves_the_queue_drained()
    {
        var (scenario, guest) = await Start(interruptRemapping: true, allowUnsafe: false);
        var unit = ((VtdBridge)scenario.Machine.Bridge).Units[0];
        var on = GlobalCommandBits.TranslationEnable | GlobalCommandBits.QueuedInvalidationEnable | GlobalCommandBits.InterruptRemappingEnable;
        Assert.Equal(on, unit.Status & (on | GlobalCommandBits.CompatibilityFormatInterrupt));
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await guest.AttachGroupAsync(scenario.Facts.GroupOf(Solo)!.Id, ct)).IsOk);
        Assert.True((await guest.FullSpace!.MapAsync(0x1_0000_0000, 0x2000, 0x3000, DmaAccess.ReadWrite, ct)).IsOk);
        Assert.Equal(0x3000UL, (await guest.FullSpace.UnmapAsync(0x1_0000_0000, 0x3000, ct)).Value);
        // The unmap waited for its wait descriptor: the head has caught up with the tail, and no queue error.
        Assert.Equal(unit.Read(VtdRegisterOffsets.InvalidationQueueTail, 8), unit.Read(VtdRegisterOffsets.InvalidationQueueHead, 8));
        Assert.Equal(FaultStatusBits.None, unit.FaultStatus & FaultStatusBits.InvalidationQueueError);
    }

    [Fact]
    public async Task Without_interrupt_remapping_attach_is_refused_with_Permission_unless_unsafe_interrupts_are_allowed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (scenario, guest) = await Start(interruptRemapping: false, allowUnsafe: false);
        var refused = await guest.AttachGroupAsync(scenario.Facts.GroupOf(Solo)!.Id, ct);
        Assert.Equal(AdapterErrorKind.Permission, refused.Error.Kind);

        var (unsafeScenario, unsafeGuest) = await Start(interruptRemapping: false, allowUnsafe: true);
        Assert.True((await unsafeGuest.AttachGroupAsync(unsafeScenario.Facts.GroupOf(Solo)!.Id, ct)).IsOk);
        Assert.True((await unsafeGuest.RouteMsixAsync(Solo, 0, new GuestVector(2, 0x45), ct)).IsOk);
        // Compatibility format straight to the vCPU's APIC: nothing validates who sends it (why it is unsafe).
        var outcome = unsafeScenario.Machine.Msi(PairA, unsafeScenario.Function(Solo).MsixEntry(0).Address, unsafeScenario.Function(Solo).MsixEntry(0).Data);
        Assert.Equal(InterruptResultKind.Delivered, outcome.Kind);
    }
    /// <summary>Reads the context entry (lo, hi) of <paramref name="rid"/> through the adapter's root table; (0, 0) when the bus has none.</summary>
    private static (ulong Lo, ulong Hi) ContextEntry(Scenario scenario, VtdAdapter host, Bdf rid)
    {
        scenario.Memory.TryReadLe64(host.RootTable + (ulong)rid.Bus * 16, out ulong root);
        if ((root & 1) == 0) return (0, 0);
        ulong entry = (root & ~0xfffUL) + (ulong)rid.DevFn * 16;
        scenario.Memory.TryReadLe64(entry, out ulong lo);
        scenario.Memory.TryReadLe64(entry + 8, out ulong hi);
        return (lo, hi);
    }

    [Fact]
    public async Task Attach_points_the_bridge_alias_at_the_owners_domain_its_IRTEs_verify_the_alias_and_detach_clears_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var scenario = new Scenario(11, new IntelVtdPlatform());
        var host = (VtdAdapter)new VtdAdapterFactory().Create(scenario.Access);
        var guest = (VtdGuest)(await host.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [1, 2]), ct)).Value;
        int g = scenario.Facts.GroupOf(BehindBridgeA)!.Id;
        Assert.Equal((0UL, 0UL), ContextEntry(scenario, host, BridgeAlias));
        Assert.True((await guest.AttachGroupAsync(g, ct)).IsOk);

        var alias = ContextEntry(scenario, host, BridgeAlias);
        Assert.Equal(1UL, alias.Lo & 1);
        Assert.Equal(guest.DomainId, (ushort)(alias.Hi >> 8));
        Assert.Equal(ContextEntry(scenario, host, BehindBridgeA), alias); // same SLPTPTR and DID as the function's own

        Assert.True(scenario.Function(BehindBridgeA).DmaWrite(0x1_0000, new byte[64]).IsOk);

        // The device's MSI carries the alias at the root complex: its IRTE verifies that SID and delivers.
        Assert.True((await guest.RouteMsixAsync(BehindBridgeB, 0, new GuestVector(2, 0x51), ct)).IsOk);
        var outcome = scenario.Function(BehindBridgeB).RaiseVector(0);
        Assert.Equal(InterruptResultKind.Delivered, outcome!.Value.Kind);

        Assert.True((await guest.DetachGroupAsync(g, ct)).IsOk);
        Assert.Equal(0UL, ContextEntry(scenario, host, BridgeAlias).Lo & 1);
        Assert.False(scenario.Function(BehindBridgeA).DmaWrite(0x1_0000, new byte[64]).IsOk);
    }
}
