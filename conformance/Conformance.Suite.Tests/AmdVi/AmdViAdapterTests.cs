using Conformance.Adapters;
using Conformance.Adapters.AmdVi;
using Conformance.Reference.AmdVi;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Tests.AmdVi;

/// <summary>The AMD-Vi adapter's driver behaviour seen from the unit: the DTEs, page tables, IRTEs and commands it leaves behind.</summary>
public sealed class AmdViAdapterTests
{
    private static async Task<(Scenario Scenario, AmdViAdapter Host, AmdViGuest Guest, AmdViUnit Unit)> Start(ulong seed)
    {
        var scenario = new Scenario(seed, new AmdViPlatformModel());
        var host = (AmdViAdapter)new AmdViAdapterFactory().Create(scenario.Access);
        var guest = (AmdViGuest)(await host.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [1, 2]), TestContext.Current.CancellationToken)).Value;
        return (scenario, host, guest, ((AmdViBridge)scenario.Machine.Bridge).Units[0]);
    }

    private static DeviceTableEntry Dte(Scenario scenario, AmdViUnit unit, Bdf rid)
    {
        ulong table = unit.Read(AmdViRegisterOffsets.DeviceTableBase, 8) & AmdViRegisterOffsets.AddressMask;
        Assert.True(DeviceTableEntry.TryRead(scenario.Memory, table + rid.RequesterId * 32UL, out var e));
        return e;
    }

    /// <summary>The last <paramref name="count"/> commands before the command buffer's tail, oldest first.</summary>
    private static List<(ulong Q0, ulong Q1)> LastCommands(Scenario scenario, AmdViUnit unit, int count)
    {
        ulong buffer = unit.Read(AmdViRegisterOffsets.CommandBufferBase, 8) & AmdViRegisterOffsets.AddressMask;
        int tail = (int)(unit.Read(AmdViRegisterOffsets.CommandTail, 8) >> 4);
        var list = new List<(ulong, ulong)>();
        for (int i = count; i >= 1; i--)
        {
            ulong slot = buffer + (ulong)((tail - i + 256) % 256) * 16;
            scenario.Memory.TryReadLe64(slot, out ulong q0);
            scenario.Memory.TryReadLe64(slot + 8, out ulong q1);
            list.Add((q0, q1));
        }
        return list;
    }

    [Fact]
    public async Task Bring_up_enables_the_unit_and_leaves_every_device_blocked_with_interrupts_target_aborted()
    {
        var (scenario, _, _, unit) = await Start(3);
        var on = ControlBits.IommuEnable | ControlBits.EventLogEnable | ControlBits.CommandBufferEnable;
        Assert.Equal(on, unit.Control & on);
        Assert.Equal(StatusBits.EventLogRun | StatusBits.CommandBufferRun, unit.Status & (StatusBits.EventLogRun | StatusBits.CommandBufferRun));
        var dte = Dte(scenario, unit, HostHeld);
        Assert.True(dte.Valid && dte.TranslationValid);
        Assert.Equal(0, dte.Mode);
        Assert.False(dte.ReadPermission || dte.WritePermission);
        Assert.True(dte.InterruptMapValid);
        Assert.Equal(InterruptControl.TargetAbort, dte.InterruptControl);
        Assert.False(scenario.Function(HostHeld).DmaWrite(0x1_0000, new byte[64]).IsOk);
        Assert.NotEqual(InterruptResultKind.Delivered, scenario.Machine.Msi(HostHeld, 0xFEE0_0000, 0x41).Kind);
    }

    [Fact]
    public async Task Attach_programs_every_alias_DTE_and_a_map_writes_a_4_level_v1_table_ending_in_the_guest_frame()
    {
        var ct = TestContext.Current.CancellationToken;
        var (scenario, _, guest, unit) = await Start(11);
        Assert.True((await guest.AttachGroupAsync(scenario.Facts.GroupOf(BehindBridgeA)!.Id, ct)).IsOk);
        foreach (var rid in new[] { BehindBridgeA, BehindBridgeB, BridgeAlias })
        {
            var dte = Dte(scenario, unit, rid);
            Assert.True(dte.Valid && dte.TranslationValid && dte.ReadPermission && dte.WritePermission);
            Assert.Equal(4, dte.Mode);
            Assert.Equal(guest.PageTableRoot, dte.PageTableRoot);
            Assert.Equal(guest.DomainId, dte.DomainId);
            Assert.Null(dte.ReservedProblem(unit.ExtendedFeature));
        }
        const ulong iova = 0x12_3456_7000, gpa = 0x5000;
        Assert.True((await guest.FullSpace.MapAsync(iova, gpa, 0x1000, DmaAccess.Read, ct)).IsOk);
        ulong table = guest.PageTableRoot;
        for (int level = 4; level > 1; level--)
        {
            scenario.Memory.TryReadLe64(table + ((iova >> (12 + 9 * (level - 1))) & 0x1ff) * 8, out ulong raw);
            var pde = new IoPageTableEntry(raw);
            Assert.True(pde.Present && pde.ReadPermission && pde.WritePermission);
            Assert.Equal(level - 1, pde.NextLevel);
            table = pde.Address;
        }
        scenario.Memory.TryReadLe64(table + ((iova >> 12) & 0x1ff) * 8, out ulong leafRaw);
        var leaf = new IoPageTableEntry(leafRaw);
        Assert.True(leaf.Present && leaf.ReadPermission);
        Assert.False(leaf.WritePermission);
        Assert.Equal(0, leaf.NextLevel);
        Assert.Equal(guest.FrameOf(gpa), leaf.Address);
        Assert.True(scenario.Function(BehindBridgeA).DmaRead(iova, new byte[8]).IsOk);
        Assert.False(scenario.Function(BehindBridgeA).DmaWrite(iova, new byte[8]).IsOk);
    }

    [Fact]
    public async Task Unmap_queues_INVALIDATE_IOMMU_PAGES_for_the_domain_and_range_then_a_completion_wait_that_has_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var (scenario, _, guest, unit) = await Start(5);
        Assert.True((await guest.AttachGroupAsync(scenario.Facts.GroupOf(Solo)!.Id, ct)).IsOk);
        const ulong iova = 0x1_0000_2000;
        Assert.True((await guest.FullSpace.MapAsync(iova, 0x2000, 0x3000, DmaAccess.ReadWrite, ct)).IsOk);
        Assert.True(scenario.Function(Solo).DmaRead(iova + 0x2000, new byte[8]).IsOk); // warms the IOTLB
        Assert.Equal(0x3000UL, (await guest.FullSpace.UnmapAsync(iova, 0x3000, ct)).Value);
        var cmds = LastCommands(scenario, unit, 2);
        var inv = new AmdViCommand(cmds[0].Q0, cmds[0].Q1);
        Assert.Equal(AmdViCommandOpcode.InvalidateIommuPages, inv.Opcode);
        Assert.Equal(guest.DomainId, inv.DomainId);
        var (first, last) = inv.PagesRange();
        Assert.True(first <= iova && last >= iova + 0x3000 - 1, $"range 0x{first:x}-0x{last:x}");
        var wait = new AmdViCommand(cmds[1].Q0, cmds[1].Q1);
        Assert.Equal(AmdViCommandOpcode.CompletionWait, wait.Opcode);
        Assert.True(wait.Store);
        // The wait has run: the head caught up with the tail, its store holds the token, and the unit still runs commands.
        Assert.Equal(unit.Read(AmdViRegisterOffsets.CommandTail, 8), unit.Read(AmdViRegisterOffsets.CommandHead, 8));
        Assert.True(scenario.Memory.TryReadLe64(wait.StoreAddress, out ulong stored) && stored == wait.StoreData);
        Assert.Equal(StatusBits.CommandBufferRun, unit.Status & StatusBits.CommandBufferRun);
        Assert.False(unit.Iotlb.TryLookup(guest.DomainId, iova + 0x2000, out _));
    }

    [Fact]
    public async Task Routing_writes_an_IRTE_and_a_remappable_message_and_DMA_by_a_detached_device_logs_IO_PAGE_FAULT()
    {
        var ct = TestContext.Current.CancellationToken;
        var (scenario, _, guest, unit) = await Start(9);
        int g = scenario.Facts.GroupOf(Solo)!.Id;
        Assert.True((await guest.AttachGroupAsync(g, ct)).IsOk);
        Assert.True((await guest.RouteMsixAsync(Solo, 1, new GuestVector(2, 0x52), ct)).IsOk);
        var dte = Dte(scenario, unit, Solo);
        Assert.True(dte.InterruptMapValid);
        Assert.Equal(InterruptControl.Remap, dte.InterruptControl);
        Assert.Equal(9, dte.InterruptTableLengthField);
        var (address, data, masked) = scenario.Function(Solo).MsixEntry(1);
        Assert.Equal(0xFEE0_0000UL, address);
        Assert.False(masked);
        scenario.Memory.TryReadLe(dte.InterruptTableRoot + data * 4UL, 4, out ulong raw);
        var irte = new Irte((uint)raw);
        Assert.True(irte.RemapEnable);
        Assert.Equal(2, irte.Destination);
        Assert.Equal(0x52, irte.Vector);
        var delivered = scenario.Function(Solo).RaiseVector(1);
        Assert.Equal(InterruptResultKind.Delivered, delivered!.Value.Kind);

        ulong own = 0x3000;
        Assert.True(scenario.Function(Solo).DmaWrite(own, new byte[64]).IsOk);
        Assert.True((await guest.DetachGroupAsync(g, ct)).IsOk);
        int before = unit.Events.Count;
        Assert.False(scenario.Function(Solo).DmaWrite(own, new byte[64]).IsOk);
        var fault = Assert.Single(unit.Events.Skip(before));
        Assert.Equal(AmdViEventType.IoPageFault, fault.Type);
        Assert.Equal(Solo.RequesterId, fault.DeviceId);
        Assert.Equal(own, fault.Address);
        // The event is in the log in memory too: the tail moved past it.
        Assert.NotEqual(unit.Read(AmdViRegisterOffsets.EventHead, 8), unit.Read(AmdViRegisterOffsets.EventTail, 8));
        Assert.Equal(InterruptControl.TargetAbort, Dte(scenario, unit, Solo).InterruptControl);
        Assert.NotEqual(InterruptResultKind.Delivered, scenario.Machine.Msi(Solo, address, data).Kind);
    }
}
