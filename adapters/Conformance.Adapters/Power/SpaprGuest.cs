using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;
using Conformance.Reference.Power;

namespace Conformance.Adapters.Power;

/// <summary>
/// One sPAPR guest (a KVM VM with VFIO sPAPR TCE v2): its windows, its hypercalls, its EEH and DDW RTAS calls.
/// Every hypercall validates the whole call before writing anything (KVM book3s_64_vio.c: kvmppc_ioba_validate,
/// kvmppc_tce_validate), writes the host TCE big-endian into the table the PHB walks, then kills the TCE cache of
/// every attached PE (OPAL_PCI_TCE_KILL) before returning.
/// </summary>
public class SpaprGuest : GuestBase, IParavirtTceFace, IWindowedDma, IErrorRecovery
{
    public const ulong DefaultWindowSize = 32UL << 20;
    public const ulong DdwStart = 1UL << 59;
    public const int MaxIndirect = 512;
    private const ulong Page = HostPageAllocator.PageSize;
    private readonly SpaprAdapter _host;
    private readonly SpaprWindow?[] _windows = new SpaprWindow?[2];
    private readonly HashSet<ulong> _registered = [];

    public SpaprGuest(SpaprAdapter host, GuestConfig config) : base(host, config) => _host = host;

    public override IGuestFace Face => this;
    public override IWindowedDma Windowed => this;
    public override IErrorRecovery Recovery => this;
    public GuestFaceKind Kind => GuestFaceKind.ParavirtTce;
    public IWindowedDma Tce => this;
    protected OpalPci Opal => _host.Opal;
    protected ulong PhbId => _host.PhbId;
    public IReadOnlyList<ulong> PageSizes { get; } = [Page];
    public IReadOnlyList<DmaWindow> Windows => _windows.Where(w => w is not null).Select(w => w!.Describe).ToList();

    /// <summary>The windows with their LIOBNs.</summary>
    public IReadOnlyList<SpaprWindow> TceWindows => _windows.Where(w => w is not null).Select(w => w!).ToList();

    /// <summary>The PE numbers of the held groups (a group's id is its PE number).</summary>
    public IEnumerable<int> Pes => Groups;

    protected override async ValueTask<Result> OnCreateAsync(CancellationToken ct)
    {
        // QEMU registers all guest RAM up front (VFIO_IOMMU_SPAPR_REGISTER_MEMORY): pinned memory only.
        if (Config.Backing == MemoryBacking.Pinned)
        {
            for (ulong gpa = 0; gpa < Config.MemorySize; gpa += Page)
                if (FrameOf(gpa) is { } f && Platform.Pages.IsPinned(f)) _registered.Add(gpa);
        }
        var r = NewWindow(0, 0, 12, DefaultWindowSize >> 12);
        return await new ValueTask<Result>(r.AsResult()).ConfigureAwait(false);
    }

    private Result<SpaprWindow> NewWindow(int index, ulong start, int pageShift, ulong entries)
    {
        ulong bytes = Math.Max(entries * 8, Page);
        if (bytes > 256 * 1024) return AdapterError.NoSpace("the TCE table would exceed 256 KiB");
        int pages = (int)(bytes / Page);
        var table = Platform.Pages.AllocateContiguous($"tce:{Name}", pages, bytes);
        if (table is null) return AdapterError.NoSpace("no contiguous memory for the TCE table");
        if (!Platform.Memory.TryWrite(table.Value, new byte[bytes])) return AdapterError.NoSpace("the TCE table memory is not backed");
        var w = new SpaprWindow(this, _host.NewLiobn(), index, start, pageShift, bytes / 8, table.Value, pages);
        _windows[index] = w;
        _host.Liobns[w.Liobn] = w;
        foreach (int pe in Pes)
        {
            var rc = MapWindow(pe, w);
            if (rc != OpalRc.Success) return AdapterError.Invalid($"OPAL_PCI_MAP_PE_DMA_WINDOW PE {pe}: {rc}");
        }
        KillAll();
        return w;
    }

    private OpalRc MapWindow(int pe, SpaprWindow w) =>
        Opal.MapPeDmaWindow(PhbId, (ulong)pe, (ushort)(pe * 2 + w.Index), 1, w.Table, w.TableBytes, w.PageSize);

    private void DropWindow(SpaprWindow w)
    {
        foreach (int pe in Pes)
        {
            var rc = Opal.MapPeDmaWindow(PhbId, (ulong)pe, (ushort)(pe * 2 + w.Index), 0, 0, 0, 0);
            if (rc != OpalRc.Success) continue;
        }
        KillAll();
        _windows[w.Index] = null;
        _host.Liobns.Remove(w.Liobn);
        for (int i = 0; i < w.TablePages; i++) Platform.Pages.Free(w.Table + (ulong)i * Page);
    }

    /// <summary>OPAL_PCI_TCE_KILL of every attached PE; false when the firmware refused (the hypercall answers H_HARDWARE).</summary>
    protected virtual bool KillAll()
    {
        bool ok = true;
        foreach (int pe in Pes)
            ok &= Opal.TceKill(PhbId, (uint)OpalTceKillType.Pe, (ulong)pe, 0, 0, 0) == OpalRc.Success;
        return ok;
    }

    /// <summary>The window a LIOBN names, only among this guest's own (KVM looks the LIOBN up in the VM's table list).</summary>
    protected internal virtual SpaprWindow? FindWindow(ulong liobn) =>
        (liobn >> 32) == 0 && _host.Liobns.TryGetValue((uint)liobn, out var w) && w.Owner == this ? w : null;

    // ---- hypercalls ---------------------------------------------------------------------------

    /// <summary>A hypercall from this guest: (return code, R4). Unknown opcodes answer H_FUNCTION.</summary>
    public (HcallRc Rc, ulong R4) Hcall(ulong opcode, params ulong[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        ulong A(int i) => i < args.Length ? args[i] : 0;
        switch ((HcallOpcode)opcode)
        {
            case HcallOpcode.PutTce: return (PutTceCore(A(0), A(1), A(2)), 0);
            case HcallOpcode.StuffTce: return (StuffTceCore(A(0), A(1), A(2), A(3)), 0);
            case HcallOpcode.PutTceIndirect: return (PutTceIndirectCore(A(0), A(1), A(2), A(3)), 0);
            case HcallOpcode.GetTce:
                var rc = GetTceCore(A(0), A(1), out ulong v);
                return (rc, v);
            default: return (HcallRc.Function, 0);
        }
    }

    /// <summary>kvmppc_ioba_validate: page-aligned, inside the window, no wrap.</summary>
    private static bool IobaValid(SpaprWindow w, ulong ioba, ulong npages)
    {
        if ((ioba & (w.PageSize - 1)) != 0) return false;
        if (ioba < w.Start) return false;
        ulong idx = (ioba - w.Start) >> w.PageShift;
        return idx + npages >= idx && idx + npages <= w.Entries;
    }

    /// <summary>kvmppc_tce_validate: only RPN | W | R; a TCE with access must name registered (pinned) guest memory.</summary>
    private bool TceValid(SpaprWindow w, ulong tce)
    {
        ulong mask = ~(w.PageSize - 1) | 3;
        if ((tce & ~mask) != 0) return false;
        if ((tce & 3) == 0) return true; // DMA_NONE is always valid
        ulong gpa = tce & ~(w.PageSize - 1);
        return gpa < Config.MemorySize && _registered.Contains(gpa);
    }

    /// <summary>The host TCE for a validated guest TCE: the host frame with the same permission bits.</summary>
    private ulong HostTce(ulong tce) => (tce & 3) == 0 ? 0 : FrameOf(tce & ~(Page - 1))!.Value | (tce & 3);

    /// <summary>Where the PHB reads the TCE for <paramref name="ioba"/> (a subclass may get this wrong).</summary>
    protected virtual ulong EntryAddress(SpaprWindow w, ulong ioba) => w.Table + ((ioba - w.Start) >> w.PageShift) * 8;

    private bool Store(SpaprWindow w, ulong ioba, ulong tce)
    {
        w.GuestTces[(ioba - w.Start) >> w.PageShift] = tce;
        return Platform.Memory.TryWriteBe(EntryAddress(w, ioba), 8, HostTce(tce));
    }

    /// <summary>H_PUT_TCE (0x20): liobn, ioba, tce.</summary>
    public HcallRc PutTceCore(ulong liobn, ulong ioba, ulong tce)
    {
        if (FindWindow(liobn) is not { } w) return HcallRc.Parameter;
        if (!IobaValid(w, ioba, 1)) return HcallRc.Parameter;
        if (!TceValid(w, tce)) return HcallRc.Parameter;
        bool stored = Store(w, ioba, tce);
        return KillAll() && stored ? HcallRc.Success : HcallRc.Hardware;
    }

    /// <summary>H_STUFF_TCE (0x138): KVM only stuffs TCEs without access (permission bits set → H_PARAMETER).</summary>
    public HcallRc StuffTceCore(ulong liobn, ulong ioba, ulong tceValue, ulong npages)
    {
        if (FindWindow(liobn) is not { } w) return HcallRc.Parameter;
        if (!IobaValid(w, ioba, npages)) return HcallRc.Parameter;
        if ((tceValue & 3) != 0) return HcallRc.Parameter;
        bool stored = true;
        for (ulong i = 0; i < npages; i++) stored &= Store(w, ioba + (i << w.PageShift), tceValue);
        return KillAll() && stored ? HcallRc.Success : HcallRc.Hardware;
    }

    /// <summary>H_PUT_TCE_INDIRECT (0x13C): up to 512 big-endian TCEs from a 4 KiB-aligned list in guest memory; all validated first.</summary>
    public HcallRc PutTceIndirectCore(ulong liobn, ulong ioba, ulong tceList, ulong npages)
    {
        if (FindWindow(liobn) is not { } w) return HcallRc.Parameter;
        if (npages > MaxIndirect || (tceList & (Page - 1)) != 0) return HcallRc.Parameter;
        if (!IobaValid(w, ioba, npages)) return HcallRc.Parameter;
        if (tceList >= Config.MemorySize || FrameOf(tceList) is not { } listFrame) return HcallRc.Parameter;
        var tces = new ulong[npages];
        for (ulong i = 0; i < npages; i++)
        {
            if (!Platform.Memory.TryReadBe(listFrame + i * 8, 8, out tces[i])) return HcallRc.Parameter;
            if (!TceValid(w, tces[i])) return HcallRc.Parameter;
        }
        bool stored = true;
        for (ulong i = 0; i < npages; i++) stored &= Store(w, ioba + (i << w.PageShift), tces[i]);
        return KillAll() && stored ? HcallRc.Success : HcallRc.Hardware;
    }

    /// <summary>H_GET_TCE (0x1C): the guest's TCE in R4.</summary>
    public HcallRc GetTceCore(ulong liobn, ulong ioba, out ulong tce)
    {
        tce = 0;
        if (FindWindow(liobn) is not { } w) return HcallRc.Parameter;
        if (!IobaValid(w, ioba, 1)) return HcallRc.Parameter;
        tce = w.GuestTces[(ioba - w.Start) >> w.PageShift];
        return HcallRc.Success;
    }

    // ---- IWindowedDma (the contract's view of the same calls) ------------------------------------

    private SpaprWindow? WindowAt(ulong ioba) => TceWindows.FirstOrDefault(w => ioba >= w.Start && ioba - w.Start < w.Size);

    private static Result ToResult(HcallRc rc, string what) => rc switch
    {
        HcallRc.Success => Result.Ok,
        HcallRc.Hardware => new AdapterError(AdapterErrorKind.Io, $"{what}: H_HARDWARE"),
        _ => AdapterError.Invalid($"{what}: {rc} ({(long)rc})"),
    };

    public Result PutTce(ulong ioba, ulong tce) =>
        WindowAt(ioba) is { } w ? ToResult(PutTceCore(w.Liobn, ioba, tce), "H_PUT_TCE") : AdapterError.NoWindow($"0x{ioba:x} is in no window");

    public Result StuffTce(ulong ioba, ulong tce, ulong count) =>
        WindowAt(ioba) is { } w ? ToResult(StuffTceCore(w.Liobn, ioba, tce, count), "H_STUFF_TCE") : AdapterError.NoWindow($"0x{ioba:x} is in no window");

    public Result<ulong> GetTce(ulong ioba)
    {
        if (WindowAt(ioba) is not { } w) return AdapterError.NoWindow($"0x{ioba:x} is in no window");
        var rc = GetTceCore(w.Liobn, ioba, out ulong v);
        return rc == HcallRc.Success ? v : ToResult(rc, "H_GET_TCE").Error;
    }

    public ValueTask<Result<DmaWindow>> CreateWindowAsync(int pageShift, ulong size, int levels, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (pageShift != 12) return new(AdapterError.Invalid($"IO page size 2^{pageShift} is not supported (4 KiB host pages)"));
        if (size == 0 || (size & (Page - 1)) != 0 || levels < 1) return new(AdapterError.Invalid("bad window size or levels"));
        if (_windows[1] is not null) return new(AdapterError.NoSpace("both windows are in use"));
        var r = NewWindow(1, DdwStart, pageShift, size >> pageShift);
        return new(r.IsOk ? Result<DmaWindow>.From(r.Value.Describe) : r.Error);
    }

    public ValueTask<Result> RemoveWindowAsync(ulong start, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var w = TceWindows.FirstOrDefault(w => w.Start == start);
        if (w is null) return new(AdapterError.Invalid($"no window starts at 0x{start:x}"));
        DropWindow(w);
        return new(Result.Ok);
    }

    // ---- RTAS ---------------------------------------------------------------------------------

    /// <summary>The PE a configuration address (bus&lt;&lt;16 | devfn&lt;&lt;8) or PE address ((bus&lt;&lt;16)+1) names, if this guest holds it.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Policy", "DAK001", Justification = "Decodes the RTAS configuration address the guest passed to the PE the platform assigned; isolation itself comes from the held groups.")]
    private int? PeOfAddress(ulong addr)
    {
        int bus = (int)((addr >> 16) & 0xff);
        foreach (int g in Groups)
            if (Platform.Facts.Group(g)!.Devices.Any(d => d.Bus == bus)) return g;
        return null;
    }

    /// <summary>
    /// An RTAS call from this guest (QEMU spapr_rtas_ddw.c, spapr_pci.c): returns the outputs, the status first.
    /// Unknown services answer HW_ERROR.
    /// </summary>
    public IReadOnlyList<long> Rtas(string service, params ulong[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        ulong A(int i) => i < args.Length ? args[i] : 0;
        int? pe = PeOfAddress(A(0));
        const long P = (long)RtasStatus.ParameterError, S = (long)RtasStatus.Success, H = (long)RtasStatus.HardwareError;
        switch (service)
        {
            case "ibm,query-pe-dma-window":
                if (pe is null) return [P];
                // windows available, largest block (pages), page-size mask (bit 0 = 4K), migration capable
                return [S, _windows[1] is null ? 1 : 0, (long)(256 * 1024 / 8), 1, 0];
            case "ibm,create-pe-dma-window":
            {
                if (pe is null) return [P];
                int pageShift = (int)A(3), windowShift = (int)A(4);
                if (pageShift != 12 || windowShift < pageShift || windowShift > 40) return [P];
                if (_windows[1] is not null) return [H];
                var r = NewWindow(1, DdwStart, pageShift, 1UL << (windowShift - pageShift));
                if (!r.IsOk) return [H];
                return [S, r.Value.Liobn, (long)(DdwStart >> 32), (long)(DdwStart & 0xffff_ffff)];
            }
            case "ibm,remove-pe-dma-window":
            {
                var w = FindWindow(A(0));
                if (w is null || w.Index == 0) return [P];
                DropWindow(w);
                return [S];
            }
            case "ibm,reset-pe-dma-window":
                if (pe is null) return [P];
                if (_windows[1] is { } ddw) DropWindow(ddw);
                return [S];
            case "ibm,set-eeh-option":
            {
                if (pe is null) return [P];
                ulong option = A(3);
                if (option > 3) return [P];
                if (option is 2 or 3)
                {
                    var rc = Opal.EehFreezeClear(PhbId, PeNumber(pe.Value), option == 2 ? (ulong)OpalEehAction.Mmio : (ulong)OpalEehAction.Dma);
                    return [rc == OpalRc.Success ? S : H];
                }
                return [S];
            }
            case "ibm,read-slot-reset-state2":
            {
                if (pe is null) return [P];
                var st = GetState(pe.Value);
                return st.IsOk ? [S, (long)st.Value, 1] : [H];
            }
            case "ibm,set-slot-reset":
            {
                if (pe is null) return [P];
                ulong option = A(3);
                if (option is not (0 or 1 or 3)) return [P];
                if (option == 0) return [S];
                var r = ResetPe(pe.Value, option == 3, CancellationToken.None);
                return [r.IsOk ? S : H];
            }
            case "ibm,configure-pe":
                return pe is null ? [P] : [S];
            case "ibm,get-config-addr-info2":
                if (pe is null) return [P];
                return A(3) switch { 0 => [S, (long)((A(0) & 0xff_0000) + 1)], 1 => [S, 2], _ => [P] };
            default:
                return [H];
        }
    }

    // ---- EEH (VFIO_EEH_PE_OP) -----------------------------------------------------------------

    /// <summary>The PE number of a held group (a subclass may get this wrong).</summary>
    protected virtual ulong PeNumber(int groupId) => (ulong)groupId;

    public Result<PeState> GetState(int groupId)
    {
        if (!Groups.Contains(groupId)) return AdapterError.NotFound($"{Name} does not hold group {groupId}");
        var (rc, state, _) = Opal.EehFreezeStatus(PhbId, PeNumber(groupId));
        if (rc != OpalRc.Success) return new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_EEH_FREEZE_STATUS: {rc}");
        return state switch
        {
            OpalFreezeState.NotFrozen => PeState.Normal,
            OpalFreezeState.DmaFreeze => PeState.StoppedDma,
            OpalFreezeState.MmioFreeze or OpalFreezeState.MmioDmaFreeze => PeState.Stopped,
            OpalFreezeState.Reset => PeState.Reset,
            _ => PeState.Unavailable,
        };
    }

    public Result Unfreeze(int groupId, bool dma)
    {
        if (!Groups.Contains(groupId)) return AdapterError.NotFound($"{Name} does not hold group {groupId}");
        var rc = Opal.EehFreezeClear(PhbId, PeNumber(groupId), dma ? (ulong)OpalEehAction.Dma : (ulong)OpalEehAction.Mmio);
        return rc == OpalRc.Success ? Result.Ok : new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_EEH_FREEZE_CLEAR: {rc}");
    }

    public ValueTask<Result> ResetAsync(int groupId, bool fundamental, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Groups.Contains(groupId)) return new(AdapterError.NotFound($"{Name} does not hold group {groupId}"));
        return new(ResetPe(groupId, fundamental, cancellationToken));
    }

    /// <summary>The most firmware time (ms) a slot reset may take before the adapter gives up: skiboot's slowest path
    /// (link polling to its retry limits) stays well under it.</summary>
    public const long ResetTimeoutMs = 30_000;

    /// <summary>
    /// Linux eeh_pe_reset(HOT/FUNDAMENTAL) then (DEACTIVATE), as VFIO_EEH_PE_RESET_* runs it: freeze the PE
    /// (EEH_OPT_FREEZE_PE), reset the slot of the port above it through OPAL (pnv_eeh_bridge_reset with
    /// ibm,reset-by-firmware: PCI_SLOT_ID of the port, also for a root port, because the platform may put several
    /// root ports under one PHB and the PHB slot would reset them all), polling OPAL_PCI_POLL until it reports 0
    /// (pnv_eeh_poll: msleep(rc) between polls, here <see cref="IPlatformAccess.Relax"/> of rc machine ticks = ms),
    /// then clear the freeze and kill the PE's TCE cache. A reset still running after <see cref="ResetTimeoutMs"/>
    /// of firmware time is an error; the token is checked between polls.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Policy", "DAK001", Justification = "Finds the reset slot (the port above the PE) for OPAL_PCI_RESET; isolation comes from the platform's PEs.")]
    private Result ResetPe(int groupId, bool fundamental, CancellationToken ct)
    {
        var devices = Platform.Facts.Group(groupId)!.Devices;
        int bus = devices[0].Bus;
        var port = Platform.Facts.Devices.FirstOrDefault(d => d.Kind is Reference.Topology.DeviceKind.RootPort or Reference.Topology.DeviceKind.DownstreamPort
            && Platform.Config.Read(d.Bdf, 0x18, 4) is uint bn && bn != 0xffff_ffffu && ((bn >> 8) & 0xff) == (uint)bus);
        if (port is null) return new AdapterError(AdapterErrorKind.Io, $"no root or downstream port above bus {bus:x2}");
        ulong slot = OpalPci.SlotId(PhbId, port.Bdf);
        byte scope = (byte)(fundamental ? OpalPciResetScope.PciFundamental : OpalPciResetScope.PciHot);
        ulong pe = PeNumber(groupId);

        var frozen = Opal.EehFreezeSet(PhbId, pe, (ulong)OpalEehAction.All);
        if (frozen != OpalRc.Success) return new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_EEH_FREEZE_SET: {frozen}");
        long rc = Opal.Reset(slot, scope, (byte)OpalPciResetState.Assert);
        if (rc > 0) rc = PollSlot(slot, rc, ct);
        if (rc != 0) return new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_RESET slot 0x{slot:x}: {Describe(rc)}");
        // DEACTIVATE: pnv_eeh_bridge_reset does nothing (skiboot ignores DEASSERT for HOT and FUNDAMENTAL).
        var clear = Opal.EehFreezeClear(PhbId, pe, (ulong)OpalEehAction.All);
        if (clear != OpalRc.Success) return new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_EEH_FREEZE_CLEAR: {clear}");
        return KillAll() ? Result.Ok : new AdapterError(AdapterErrorKind.Io, "OPAL_PCI_TCE_KILL failed");
    }

    private static string Describe(long rc) => rc > 0 ? $"still in progress after {ResetTimeoutMs} ms" : $"{(OpalRc)rc} ({rc})";

    /// <summary>pnv_eeh_poll, bounded: sleep <paramref name="delay"/> ms, poll, until the firmware answers ≤ 0.</summary>
    private long PollSlot(ulong slot, long delay, CancellationToken ct)
    {
        long waited = 0;
        while (delay > 0)
        {
            ct.ThrowIfCancellationRequested();
            if (waited + delay > ResetTimeoutMs) return delay;
            Platform.Relax((int)delay);
            waited += delay;
            delay = Opal.Poll(slot);
        }
        return delay;
    }

    public Result Configure(int groupId) =>
        Groups.Contains(groupId) ? Result.Ok : AdapterError.NotFound($"{Name} does not hold group {groupId}");

    // ---- attach / detach / interrupts / teardown ---------------------------------------------

    protected override ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct)
    {
        int pe = group.Id;
        // A new owner starts from a clean PE (Linux eeh_pe_change_owner unfreezes the PE when VFIO takes it).
        var clear = Opal.EehFreezeClear(PhbId, (ulong)pe, (ulong)OpalEehAction.All);
        if (clear != OpalRc.Success) return new(new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_EEH_FREEZE_CLEAR: {clear}"));
        foreach (var w in TceWindows)
        {
            var rc = MapWindow(pe, w);
            if (rc != OpalRc.Success) return new(AdapterError.Invalid($"OPAL_PCI_MAP_PE_DMA_WINDOW PE {pe}: {rc}"));
        }
        var kill = Opal.TceKill(PhbId, (uint)OpalTceKillType.Pe, (ulong)pe, 0, 0, 0);
        return new(kill == OpalRc.Success ? Result.Ok : new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_TCE_KILL: {kill}"));
    }

    protected override ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct)
    {
        int pe = group.Id;
        foreach (var w in TceWindows)
        {
            var rc = Opal.MapPeDmaWindow(PhbId, (ulong)pe, (ushort)(pe * 2 + w.Index), 0, 0, 0, 0);
            if (rc != OpalRc.Success) return new(AdapterError.Invalid($"OPAL_PCI_MAP_PE_DMA_WINDOW (disable) PE {pe}: {rc}"));
        }
        var kill = Opal.TceKill(PhbId, (uint)OpalTceKillType.Pe, (ulong)pe, 0, 0, 0);
        return new(kill == OpalRc.Success ? Result.Ok : new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_TCE_KILL: {kill}"));
    }

    /// <summary>MSIs on POWER go through the PHB's MSI ports and XIVE; routing them to a guest vCPU is not implemented.</summary>
    protected override ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct) =>
        new(AdapterError.NotSupported("MSI routing through XIVE is not implemented by the sPAPR adapter"));

    protected override ValueTask OnDestroyAsync(CancellationToken ct)
    {
        foreach (var w in TceWindows) DropWindow(w);
        return ValueTask.CompletedTask;
    }
}
