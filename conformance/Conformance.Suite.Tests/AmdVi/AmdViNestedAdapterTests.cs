using Conformance.Adapters;
using Conformance.Adapters.AmdVi;
using Conformance.Reference.AmdVi;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;
using static Conformance.Suite.Machine.ScenarioTopology;

namespace Conformance.Suite.Tests.AmdVi;

/// <summary>The AMD-Vi adapter's nested (two-level) DMA seen from the unit: Control.GTEn, the nested DTE, the GN=1 command.</summary>
public sealed class AmdViNestedAdapterTests
{
    private static async Task<(Scenario Scenario, AmdViAdapter Host, AmdViGuest Guest, GuestHarness Harness, AmdViUnit Unit)> Start(ulong seed, bool gt = true)
    {
        var ct = TestContext.Current.CancellationToken;
        var scenario = new Scenario(seed, new AmdViPlatformModel(guestTranslation: gt));
        var host = (AmdViAdapter)new AmdViAdapterFactory().Create(scenario.Access);
        var guest = (AmdViGuest)(await host.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [1, 2]), ct)).Value;
        Assert.True((await guest.AttachGroupAsync(scenario.Facts.GroupOf(Solo)!.Id, ct)).IsOk);
        return (scenario, host, guest, new GuestHarness(scenario, guest), ((AmdViBridge)scenario.Machine.Bridge).Units[0]);
    }

    private static DeviceTableEntry Dte(Scenario scenario, AmdViUnit unit, Conformance.Reference.Pci.Bdf rid)
    {
        ulong table = unit.Read(AmdViRegisterOffsets.DeviceTableBase, 8) & AmdViRegisterOffsets.AddressMask;
        Assert.True(DeviceTableEntry.TryRead(scenario.Memory, table + rid.RequesterId * 32UL, out var e));
        return e;
    }

    private static List<AmdViCommand> LastCommands(Scenario scenario, AmdViUnit unit, int count)
    {
        ulong buffer = unit.Read(AmdViRegisterOffsets.CommandBufferBase, 8) & AmdViRegisterOffsets.AddressMask;
        int tail = (int)(unit.Read(AmdViRegisterOffsets.CommandTail, 8) >> 4);
        var list = new List<AmdViCommand>();
        for (int i = count; i >= 1; i--)
        {
            ulong slot = buffer + (ulong)((tail - i + 256) % 256) * 16;
            scenario.Memory.TryReadLe64(slot, out ulong q0);
            scenario.Memory.TryReadLe64(slot + 8, out ulong q1);
            list.Add(new AmdViCommand(q0, q1));
        }
        return list;
    }

    [Fact]
    public async Task SetFirstLevel_programs_GV_GIoV_GLX0_the_guest_GCR3_root_and_keeps_the_owner_table_as_second_level()
    {
        var ct = TestContext.Current.CancellationToken;
        var (scenario, host, guest, harness, unit) = await Start(11);
        Assert.Equal(ControlBits.GuestTranslationEnable, unit.Control & ControlBits.GuestTranslationEnable);
        Assert.Equal(["amd-v2"], guest.FirstLevelFormats);
        var tables = new AmdV2TableWriter(harness);
        ulong page = harness.AllocateBuffer(0x1000);
        const ulong iova = 0x7_0000_3000;
        tables.Map(iova, page);
        Assert.True((await guest.SetFirstLevelAsync(Solo, "amd-v2", tables.Gcr3Table, ct)).IsOk);
        var dte = Dte(scenario, unit, Solo);
        Assert.True(dte.Valid && dte.TranslationValid && dte.GuestValid && dte.GuestIoProtection);
        Assert.Equal(0, dte.GuestLevels);
        Assert.Equal(4, dte.GuestPageTableLevels);
        Assert.Equal(tables.Gcr3Table, dte.GuestCr3TableRoot);
        Assert.Equal(guest.PageTableRoot, dte.PageTableRoot);
        Assert.Equal(host.Levels, dte.Mode);
        Assert.Equal(guest.NestedDomainId(Solo), dte.DomainId);
        Assert.NotEqual(guest.DomainId, dte.DomainId);
        // DMA without a PASID now goes through the guest table (GIoV): IOVA → page, and the identity address no longer maps 1:1.
        var data = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        Assert.True(scenario.Function(Solo).DmaWrite(iova + 8, data).IsOk);
        Assert.Equal(data, harness.Read(page + 8, 8));
        Assert.False(scenario.Function(Solo).DmaWrite(page, data).IsOk);
    }

    [Fact]
    public async Task InvalidateFirstLevel_queues_INVALIDATE_IOMMU_PAGES_with_GN_PASID_0_and_the_range_then_a_completion_wait()
    {
        var ct = TestContext.Current.CancellationToken;
        var (scenario, _, guest, harness, unit) = await Start(12);
        var tables = new AmdV2TableWriter(harness);
        const ulong iova = 0x7_0000_4000;
        tables.Map(iova, harness.AllocateBuffer(0x1000));
        Assert.True((await guest.SetFirstLevelAsync(Solo, "amd-v2", tables.Gcr3Table, ct)).IsOk);
        Assert.True((await guest.InvalidateFirstLevelAsync(Solo, iova, 0x2000, ct)).IsOk);
        var cmds = LastCommands(scenario, unit, 2);
        Assert.Equal(AmdViCommandOpcode.InvalidateIommuPages, cmds[0].Opcode);
        Assert.True(cmds[0].GuestEntries);
        Assert.Equal(0u, cmds[0].Pasid);
        Assert.Equal(guest.NestedDomainId(Solo), cmds[0].DomainId);
        var (first, last) = cmds[0].PagesRange();
        Assert.True(first <= iova && last >= iova + 0x2000 - 1, $"range 0x{first:x}-0x{last:x}");
        Assert.Equal(AmdViCommandOpcode.CompletionWait, cmds[1].Opcode);
        Assert.True(scenario.Memory.TryReadLe64(cmds[1].StoreAddress, out ulong stored) && stored == cmds[1].StoreData);
    }

    [Fact]
    public async Task Without_GTSup_the_adapter_offers_no_nested_model_and_leaves_GTEn_clear()
    {
        var (_, _, guest, _, unit) = await Start(13, gt: false);
        Assert.Null(guest.Nested);
        Assert.Empty(guest.FirstLevelFormats);
        Assert.Equal((ControlBits)0, unit.Control & ControlBits.GuestTranslationEnable);
        var r = await guest.SetFirstLevelAsync(Solo, "amd-v2", 0x1000, TestContext.Current.CancellationToken);
        Assert.Equal(AdapterErrorKind.NotSupported, r.Error.Kind);
    }
}
