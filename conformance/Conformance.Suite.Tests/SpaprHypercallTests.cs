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
}
