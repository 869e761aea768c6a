using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;
using Conformance.Reference.Platform;
using Conformance.Suite.Machine;

namespace Conformance.Suite.Tests;

/// <summary>The sPAPR adapter's raw hypercall and RTAS answers on the POWER model: real codes, whole-call validation.</summary>
public sealed class SpaprHypercallTests
{
    private static async Task<(Scenario S, SpaprGuest G, ulong Liobn)> Start()
    {
        var s = new Scenario(7, new PowerPhbPlatform());
        var adapter = new SpaprAdapterFactory().Create(s.Access);
        var g = (SpaprGuest)(await adapter.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [1]), CancellationToken.None)).Value;
        Assert.True((await g.AttachGroupAsync(s.Facts.GroupOf(ScenarioTopology.Solo)!.Id, CancellationToken.None)).IsOk);
        return (s, g, g.TceWindows[0].Liobn);
    }

    private static ulong Get(SpaprGuest g, ulong liobn, ulong ioba)
    {
        var (rc, v) = g.Hcall((ulong)HcallOpcode.GetTce, liobn, ioba);
        Assert.Equal(HcallRc.Success, rc);
        return v;
    }

    [Fact]
    public async Task H_PUT_TCE_maps_a_page_the_device_then_reaches_and_bad_arguments_answer_H_PARAMETER()
    {
        var (s, g, liobn) = await Start();
        Assert.Equal((HcallRc.Success, 0UL), g.Hcall((ulong)HcallOpcode.PutTce, liobn, 0x3000, 0x5000 | 3));
        Assert.Equal(0x5000UL | 3, Get(g, liobn, 0x3000));
        var w = s.Function(ScenarioTopology.Solo).DmaWrite(0x3010, [1, 2, 3, 4]);
        Assert.True(w.IsOk);
        var landed = new byte[4];
        Assert.True(s.Memory.TryRead(g.FrameOf(0x5000)!.Value + 0x10, landed));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, landed);

        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTce, liobn + 100, 0x3000, 0x5000 | 3).Rc); // unknown LIOBN
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTce, liobn, 0x3008, 0x5000 | 3).Rc);       // misaligned
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTce, liobn, SpaprGuest.DefaultWindowSize, 0x5000 | 3).Rc); // past the window
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTce, liobn, 0x3000, 0x5000 | 0x10 | 3).Rc);  // reserved bits
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTce, liobn, 0x3000, (2UL << 20) | 3).Rc);    // not registered guest memory
        Assert.Equal(HcallRc.Function, g.Hcall(0x999, liobn).Rc);
        Assert.Equal(0x5000UL | 3, Get(g, liobn, 0x3000));
    }

    [Fact]
    public async Task H_PUT_TCE_INDIRECT_checks_the_whole_list_before_writing_any_TCE()
    {
        var (s, g, liobn) = await Start();
        const ulong list = 0x8000;
        ulong frame = g.FrameOf(list)!.Value;
        for (ulong i = 0; i < 8; i++) s.Memory.TryWriteBe(frame + i * 8, 8, (0x10000 + i * 0x1000) | 3);
        s.Memory.TryWriteBe(frame + 7 * 8, 8, (4UL << 20) | 3); // the last TCE names unregistered memory
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTceIndirect, liobn, 0, list, 8).Rc);
        for (ulong i = 0; i < 8; i++) Assert.Equal(0UL, Get(g, liobn, i * 0x1000));
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTceIndirect, liobn, 0, list + 8, 7).Rc);   // list not 4K-aligned
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTceIndirect, liobn, 0, list, 513).Rc);    // more than 512
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTceIndirect, liobn, 0, list, 7).Rc);
        for (ulong i = 0; i < 7; i++) Assert.Equal((0x10000 + i * 0x1000) | 3, Get(g, liobn, i * 0x1000));
        // H_STUFF_TCE clears; KVM refuses a stuffed value with permission bits.
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.StuffTce, liobn, 0, 0x10000 | 3, 7).Rc);
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.StuffTce, liobn, 0, 0, 7).Rc);
        Assert.Equal(DmaResultKind.Frozen, s.Function(ScenarioTopology.Solo).DmaWrite(0x1000, [1]).Kind);
    }

    [Fact]
    public async Task RTAS_DDW_and_EEH_calls_answer_with_their_codes_and_act_on_the_PE()
    {
        var (s, g, _) = await Start();
        ulong cfg = (ulong)ScenarioTopology.Solo.Bus << 16;
        var q = g.Rtas("ibm,query-pe-dma-window", cfg, 0, 0);
        Assert.Equal([0L, 1L], q.Take(2));
        Assert.Equal([(long)RtasStatus.ParameterError], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 16, 24)); // 64K pages unsupported
        var c = g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 12, 24);
        Assert.Equal(0L, c[0]);
        Assert.Equal(SpaprGuest.DdwStart, ((ulong)c[2] << 32) | (ulong)c[3]);
        Assert.Equal([(long)RtasStatus.HardwareError], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 12, 24)); // no free window
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTce, (ulong)c[1], SpaprGuest.DdwStart + 0x1000, 0x6000 | 3).Rc);
        Assert.True(s.Function(ScenarioTopology.Solo).DmaWrite(SpaprGuest.DdwStart + 0x1000, [9]).IsOk);
        Assert.Equal([0L], g.Rtas("ibm,remove-pe-dma-window", (ulong)c[1]));
        Assert.Equal([(long)RtasStatus.ParameterError], g.Rtas("ibm,remove-pe-dma-window", (ulong)c[1]));
        Assert.Equal([(long)RtasStatus.ParameterError], g.Rtas("ibm,read-slot-reset-state2", 9UL << 16, 0, 0)); // not this guest's PE

        // A DMA after the window is gone freezes the PE; EEH RTAS sees it and recovers it.
        Assert.Equal(DmaResultKind.Frozen, s.Function(ScenarioTopology.Solo).DmaWrite(SpaprGuest.DdwStart + 0x1000, [9]).Kind);
        Assert.Equal([0L, (long)PeState.Stopped, 1L], g.Rtas("ibm,read-slot-reset-state2", cfg, 0, 0));
        Assert.Equal([0L], g.Rtas("ibm,set-eeh-option", cfg, 0, 0, 2));
        Assert.Equal([0L, (long)PeState.StoppedDma, 1L], g.Rtas("ibm,read-slot-reset-state2", cfg, 0, 0));
        Assert.Equal([0L], g.Rtas("ibm,set-slot-reset", cfg, 0, 0, 1));
        Assert.Equal([0L], g.Rtas("ibm,set-slot-reset", cfg, 0, 0, 0));
        Assert.Equal([0L], g.Rtas("ibm,configure-pe", cfg, 0, 0));
        Assert.Equal([0L, (long)PeState.Normal, 1L], g.Rtas("ibm,read-slot-reset-state2", cfg, 0, 0));
        Assert.Equal([0L, (long)cfg + 1], g.Rtas("ibm,get-config-addr-info2", cfg, 0, 0, 0));
        Assert.Equal([0L, 2L], g.Rtas("ibm,get-config-addr-info2", cfg, 0, 0, 1));
    }

    /// <summary>The platform with a clock that never moves: Relax (the adapter's msleep) lets no firmware time pass.</summary>
    private sealed class StoppedClock(IPlatformAccess inner) : IPlatformAccess, IOpalAccess
    {
        public Reference.Power.OpalPci? Opal => ((IOpalAccess)inner).Opal;
        public PlatformFacts Facts => inner.Facts;
        public IHostMemory Memory => inner.Memory;
        public ICpuMmio Mmio => inner.Mmio;
        public IPciConfig Config => inner.Config;
        public HostPageAllocator Pages => inner.Pages;
        public GuestCpuMap CreateGuestCpuMap(string owner) => inner.CreateGuestCpuMap(owner);
        public int Relax(int count = 1) => 0;
    }

    private static async Task<(Scenario S, SpaprGuest G, int Pe)> StartOn(Func<IPlatformAccess, IPlatformAccess> platform)
    {
        var s = new Scenario(7, new PowerPhbPlatform());
        var adapter = new SpaprAdapterFactory().Create(platform(s.Access));
        var g = (SpaprGuest)(await adapter.CreateGuestAsync(new GuestConfig("A", 1UL << 20, [1]), CancellationToken.None)).Value;
        int pe = s.Facts.GroupOf(ScenarioTopology.Solo)!.Id;
        Assert.True((await g.AttachGroupAsync(pe, CancellationToken.None)).IsOk);
        return (s, g, pe);
    }

    [Theory]
    [InlineData(false, 250 + 1800 + 20)] // pcie_slot_sm_hreset: SBR 250 ms, 1.8 s, one 20 ms link poll
    [InlineData(true, 50 + 50 + 20)]     // pcie_slot_sm_freset: power off 50 ms, on 50 ms, one link poll
    public async Task A_PE_reset_polls_OPAL_until_the_slot_state_machine_is_done_and_leaves_the_PE_working(bool fundamental, long firmwareMs)
    {
        var (s, g, pe) = await StartOn(p => p);
        var opal = (Reference.Power.OpalPci)s.Firmware!;
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTce, g.TceWindows[0].Liobn, 0x3000, 0x5000 | 3).Rc);
        long before = opal.NowMs;
        Assert.True((await g.Recovery!.ResetAsync(pe, fundamental, CancellationToken.None)).IsOk);
        Assert.Equal(firmwareMs, opal.NowMs - before);
        var slot = opal.Slots.Single(x => x.Secondary == ScenarioTopology.Solo.Bus);
        Assert.False(opal.SlotReset(slot.Id)!.InProgress);
        Assert.Equal(PeState.Normal, g.GetState(pe).Value);
        Assert.Equal((long)Reference.Power.OpalRc.Hardware, opal.Poll(slot.Id)); // nothing left in progress
    }

    [Fact]
    public async Task A_reset_that_never_completes_is_an_IO_error_not_a_hang_and_cancellation_is_honoured()
    {
        var (s, g, pe) = await StartOn(p => new StoppedClock(p));
        var r = await g.Recovery!.ResetAsync(pe, fundamental: false, CancellationToken.None);
        Assert.False(r.IsOk);
        Assert.Equal(AdapterErrorKind.Io, r.Error.Kind);
        Assert.Contains("still in progress", r.Error.Message, StringComparison.Ordinal);
        Assert.Equal([(long)RtasStatus.HardwareError], g.Rtas("ibm,set-slot-reset", (ulong)ScenarioTopology.Solo.Bus << 16, 0, 0, 1));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await g.Recovery!.ResetAsync(pe, fundamental: false, cts.Token));
        _ = s;
    }

    // ---- DDW: IO page sizes and multi-level TCE tables ---------------------------------------------

    /// <summary>The adapter with hugepage-backed guest RAM (one host-contiguous block per guest).</summary>
    private sealed class HugePageFactory : SpaprAdapterFactory
    {
        protected override SpaprAdapter CreateAdapter(IPlatformAccess platform) => new(platform, Capabilities) { HugePageBacking = true };
    }

    private static async Task<(Scenario S, SpaprGuest G, int Pe)> StartHuge(ulong memory, ulong before = 0)
    {
        var s = new Scenario(7, new PowerPhbPlatform());
        var adapter = new HugePageFactory().Create(s.Access);
        // A guest created first takes the top of host memory (and its 64 KiB TCE table below it).
        if (before != 0) Assert.True((await adapter.CreateGuestAsync(new GuestConfig("B", before, [2]), CancellationToken.None)).IsOk);
        var g = (SpaprGuest)(await adapter.CreateGuestAsync(new GuestConfig("A", memory, [1]), CancellationToken.None)).Value;
        int pe = s.Facts.GroupOf(ScenarioTopology.Solo)!.Id;
        Assert.True((await g.AttachGroupAsync(pe, CancellationToken.None)).IsOk);
        return (s, g, pe);
    }

    private static Reference.Power.Phb4 Phb(Scenario s) => ((Reference.Power.OpalPci)s.Firmware!).Phbs.Single();

    /// <summary>The TCE the PHB would use for <paramref name="busAddress"/>: the model's own multi-level walk of the TVE the adapter programmed.</summary>
    private static Reference.Power.TceWalkResult Walk(Scenario s, int pe, ulong busAddress)
    {
        var tve = Phb(s).Tvt[Reference.Power.TranslationValidationTable.IndexFor(pe, busAddress)];
        return Reference.Power.TceTableWalk.Walk(tve, busAddress & ((1UL << 59) - 1), s.Memory);
    }

    private static byte[] Landed(Scenario s, ulong hpa, int n)
    {
        var b = new byte[n];
        Assert.True(s.Memory.TryRead(hpa, b));
        return b;
    }

    [Fact]
    public async Task A_64K_DDW_maps_whole_64K_host_pages_through_a_two_level_table_with_every_TCE_hypercall()
    {
        var (s, g, pe) = await StartHuge(8UL << 20);
        ulong cfg = (ulong)ScenarioTopology.Solo.Bus << 16;
        Assert.Equal([0x1000UL, 0x1_0000UL, 0x20_0000UL], g.PageSizes);
        var q = g.Rtas("ibm,query-pe-dma-window", cfg, 0, 0);
        Assert.Equal([0L, 1L, 0x8000_0000L, 0x103L, 0L], q); // RTAS_DDW_PGSIZE_4K | _64K | _2M
        var c = g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 16, 32); // 4 GiB of 64K pages: 2^16 TCEs
        Assert.Equal(0L, c[0]);
        var w = g.TceWindows.Single(x => x.Liobn == (uint)c[1]);
        // Linux geometry: one level would be 512 KiB > 64 KiB, so 2 levels of ceil(16/2) = 8 bits → 4 KiB levels.
        Assert.Equal((2, 12), (w.Levels, w.LevelShift));
        var tve = Phb(s).Tvt[pe * 2 + 1];
        Assert.Equal((2, 12 - 11, 5), (tve.Levels, tve.TceTableSize, tve.IoPageSize)); // TCE_TABLE_SIZE = log2(4K) - 11; IO_PSIZE 64K = 5
        Assert.Equal(w.Table, tve.TableAddress);

        ulong liobn = (ulong)c[1], io = SpaprGuest.DdwStart;
        // H_PUT_TCE: IO page 300 (top-level index 1, leaf index 44) → guest 0x30000.
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTce, liobn, io + 300 * 0x1_0000, 0x3_0000 | 3).Rc);
        Assert.Equal(0x3_0000UL | 3, Get(g, liobn, io + 300 * 0x1_0000));
        var walk = Walk(s, pe, io + 300 * 0x1_0000 + 0xfff8);
        Assert.True(walk.Ok, walk.Why);
        Assert.Equal(g.FrameOf(0x3_0000)!.Value | 3, walk.Tce.Raw);
        Assert.Single(w.IndirectLevels);
        // The device reaches the last bytes of the 64K IO page: the host page is contiguous.
        Assert.True(s.Function(ScenarioTopology.Solo).DmaWrite(io + 300 * 0x1_0000 + 0xfff0, [7, 7, 7, 7]).IsOk);
        Assert.Equal(new byte[] { 7, 7, 7, 7 }, Landed(s, g.FrameOf(0x3_0000)!.Value + 0xfff0, 4));

        // H_PUT_TCE_INDIRECT: three 64K TCEs at IO pages 4..6 → guest 0x10_0000, 0x12_0000, 0x14_0000.
        const ulong list = 0x7000;
        for (ulong i = 0; i < 3; i++) s.Memory.TryWriteBe(g.FrameOf(list)!.Value + i * 8, 8, (0x10_0000 + i * 0x2_0000) | 3);
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTceIndirect, liobn, io + 4 * 0x1_0000, list, 3).Rc);
        for (ulong i = 0; i < 3; i++)
        {
            Assert.True(s.Function(ScenarioTopology.Solo).DmaWrite(io + (4 + i) * 0x1_0000 + 0x8000, [(byte)(i + 1)]).IsOk);
            Assert.Equal((byte)(i + 1), Landed(s, g.FrameOf(0x10_8000 + i * 0x2_0000)!.Value, 1)[0]);
        }
        // A 64K TCE must name a 64K-aligned guest page.
        Assert.Equal(HcallRc.Parameter, g.Hcall((ulong)HcallOpcode.PutTce, liobn, io, 0x3_1000 | 3).Rc);
        // H_STUFF_TCE clears IO pages 4..6; the neighbouring IO page 7 was never mapped: DMA there freezes the PE.
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.StuffTce, liobn, io + 4 * 0x1_0000, 0, 3).Rc);
        Assert.Equal(0UL, Get(g, liobn, io + 5 * 0x1_0000));
        Assert.False(Walk(s, pe, io + 5 * 0x1_0000).Ok);
        Assert.Equal(DmaResultKind.Frozen, s.Function(ScenarioTopology.Solo).DmaWrite(io + 7 * 0x1_0000, [1]).Kind);
    }

    [Fact]
    public async Task A_2M_DDW_honours_the_levels_asked_for_and_refuses_an_IO_page_not_wholly_backed_with_H_TOO_HARD()
    {
        // 5 MiB of guest RAM, placed 2 MiB-aligned (below a 960 KiB guest and its table): the 2M IO page at 4 MiB is
        // only half guest RAM.
        var (s, g, pe) = await StartHuge(5UL << 20, before: (1UL << 20) - 0x1_0000);
        Assert.Contains(0x20_0000UL, g.PageSizes);
        var win = await g.CreateWindowAsync(21, 1UL << 32, 3, CancellationToken.None);
        Assert.True(win.IsOk, win.IsOk ? "" : win.Error.Message);
        Assert.Equal(new DmaWindow(SpaprGuest.DdwStart, 1UL << 32, 21, 3), win.Value);
        var tve = Phb(s).Tvt[pe * 2 + 1];
        Assert.Equal((3, 1, 10), (tve.Levels, tve.TceTableSize, tve.IoPageSize)); // 2^11 TCEs in 3 levels of 4 KiB; IO_PSIZE 2M = 10

        ulong io = SpaprGuest.DdwStart;
        Assert.True(g.PutTce(io + 1500 * 0x20_0000UL, 0x20_0000 | 3).IsOk);
        Assert.Equal(2, g.TceWindows.Single(x => x.Index == 1).IndirectLevels.Count); // one page at each lower level
        var walk = Walk(s, pe, io + 1500 * 0x20_0000UL + 0x1f_fff8);
        Assert.True(walk.Ok, walk.Why);
        Assert.Equal(g.FrameOf(0x20_0000)!.Value | 3, walk.Tce.Raw);
        Assert.Equal(0UL, g.FrameOf(0x20_0000)!.Value % 0x20_0000);
        Assert.True(s.Function(ScenarioTopology.Solo).DmaWrite(io + 1500 * 0x20_0000UL + 0x1f_fff0, [5, 6]).IsOk);
        Assert.Equal(new byte[] { 5, 6 }, Landed(s, g.FrameOf(0x20_0000)!.Value + 0x1f_fff0, 2));
        Assert.Equal(0x20_0000UL | 3, g.GetTce(io + 1500 * 0x20_0000UL).Value);
        // kvmppc_tce_validate: the guest page at 4 MiB is registered but its second MiB is not guest RAM.
        ulong liobn = g.TceWindows.Single(x => x.Index == 1).Liobn;
        Assert.Equal(HcallRc.TooHard, g.Hcall((ulong)HcallOpcode.PutTce, liobn, io + 1501 * 0x20_0000UL, 0x40_0000 | 3).Rc);
        Assert.Equal(0UL, Get(g, liobn, io + 1501 * 0x20_0000UL));
        // The neighbouring IO page was never mapped: DMA there freezes the PE.
        Assert.Equal(DmaResultKind.Frozen, s.Function(ScenarioTopology.Solo).DmaWrite(io + 1501 * 0x20_0000UL, [1]).Kind);
    }

    [Fact]
    public async Task Bad_page_shifts_sizes_and_levels_get_the_RTAS_and_adapter_codes()
    {
        var (_, g, _) = await StartHuge(8UL << 20);
        ulong cfg = (ulong)ScenarioTopology.Solo.Bus << 16;
        const long P = (long)RtasStatus.ParameterError, H = (long)RtasStatus.HardwareError;
        Assert.Equal([P], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 13, 30)); // not a supported page size
        Assert.Equal([P], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 24, 34)); // 16M is not offered
        Assert.Equal([P], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 16, 15)); // window smaller than a page
        Assert.Equal([H], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 12, 60)); // beyond 2^59
        Assert.Equal(AdapterErrorKind.Invalid, (await g.CreateWindowAsync(16, 3UL << 20, 1, CancellationToken.None)).Error.Kind); // not a power of two
        Assert.Equal(AdapterErrorKind.Invalid, (await g.CreateWindowAsync(16, 1UL << 30, 6, CancellationToken.None)).Error.Kind); // > 5 levels
        Assert.Equal(AdapterErrorKind.Invalid, (await g.CreateWindowAsync(14, 1UL << 30, 1, CancellationToken.None)).Error.Kind);
        Assert.Equal(AdapterErrorKind.NoSpace, (await g.CreateWindowAsync(12, 1UL << 40, 1, CancellationToken.None)).Error.Kind); // a 2 GiB level
        Assert.Equal(0L, g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 12, 40)[0]); // the adapter picks enough levels
        Assert.Equal(3, g.TceWindows.Single(x => x.Index == 1).Levels); // 2^28 TCEs: ceil(28/3) = 10 → 8 KiB levels
        Assert.Equal([H], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 12, 30)); // no free window
        // A guest without hugepages offers 4K pages only.
        var (_, plain, _) = await StartOn(p => p);
        Assert.Equal([0x1000UL], plain.PageSizes);
        Assert.Equal(0x1L, plain.Rtas("ibm,query-pe-dma-window", cfg, 0, 0)[3]);
    }

    [Fact]
    public async Task Two_windows_at_most_as_QEMU_allows_and_after_removing_the_default_one_two_DDWs_at_0_and_2_59()
    {
        var (s, g, pe) = await StartHuge(8UL << 20);
        ulong cfg = (ulong)ScenarioTopology.Solo.Bus << 16;
        const long H = (long)RtasStatus.HardwareError;
        ulong defaultLiobn = g.TceWindows.Single().Liobn;
        Assert.Equal([0L], g.Rtas("ibm,remove-pe-dma-window", defaultLiobn));
        Assert.Equal(2L, g.Rtas("ibm,query-pe-dma-window", cfg, 0, 0)[1]);
        var low = g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 16, 30); // dma_win_addr: bus address 0
        Assert.Equal([0L, 0L, 0L], new[] { low[0], low[2], low[3] });
        var high = g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 21, 34); // dma64_win_addr
        Assert.Equal(SpaprGuest.DdwStart, ((ulong)high[2] << 32) | (ulong)high[3]);
        Assert.Equal([H], g.Rtas("ibm,create-pe-dma-window", cfg, 0, 0, 12, 30)); // SPAPR_PCI_DMA_MAX_WINDOWS = 2
        Assert.Equal(0L, g.Rtas("ibm,query-pe-dma-window", cfg, 0, 0)[1]);
        Assert.Equal((5, 10), (Phb(s).Tvt[pe * 2].IoPageSize, Phb(s).Tvt[pe * 2 + 1].IoPageSize));
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTce, (ulong)low[1], 0x1_0000, 0x5_0000 | 3).Rc);
        Assert.Equal(HcallRc.Success, g.Hcall((ulong)HcallOpcode.PutTce, (ulong)high[1], SpaprGuest.DdwStart, 0x20_0000 | 3).Rc);
        Assert.True(s.Function(ScenarioTopology.Solo).DmaWrite(0x1_0004, [3]).IsOk);
        Assert.Equal(3, Landed(s, g.FrameOf(0x5_0000)!.Value + 4, 1)[0]);
        Assert.True(s.Function(ScenarioTopology.Solo).DmaWrite(SpaprGuest.DdwStart + 0x10_0000, [4]).IsOk);
        Assert.Equal(4, Landed(s, g.FrameOf(0x30_0000)!.Value, 1)[0]);
        // ibm,reset-pe-dma-window: both DDWs go, the default 4K window at 0 is back.
        Assert.Equal([0L], g.Rtas("ibm,reset-pe-dma-window", cfg, 0, 0));
        var back = g.TceWindows.Single();
        Assert.Equal((0UL, SpaprGuest.DefaultWindowSize, 12), (back.Start, back.Size, back.PageShift));
        Assert.Equal(0, Phb(s).Tvt[pe * 2 + 1].TceTableSize); // TVE disabled
        // Every level of the dropped tables went back to the host: only the default window's 64 KiB table is left.
        Assert.Equal(16, s.Pages.PagesOf("tce:A").Count);
        await g.DestroyAsync(CancellationToken.None);
        Assert.Empty(s.Pages.PagesOf("tce:A"));
    }
}

