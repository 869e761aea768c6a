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
    /// <summary>
    /// The IO page sizes this guest's windows can use: 4 KiB always; 64 KiB and 2 MiB when guest memory is one
    /// host-contiguous block aligned to them (hugepage-backed RAM, <see cref="SpaprAdapter.HugePageBacking"/>), since
    /// every IO page must be host-contiguous (KVM mm_iommu_ua_to_hpa: the IO page shift may not exceed the
    /// registered region's page shift). 16 MiB is not offered.
    /// </summary>
    public IReadOnlyList<ulong> PageSizes => SupportedPageShifts().Select(s => 1UL << s).ToList();

    /// <summary>The largest IO page shift (≤ 2 MiB) whose pages are all host-contiguous in this guest's memory.</summary>
    private int ContiguousShift
    {
        get
        {
            if (!PhysicallyContiguous || FrameOf(0) is not { } f0) return 12;
            int shift = 12;
            foreach (int s in (int[])[16, 21])
                if (f0 % (1UL << s) == 0 && Config.MemorySize >= 1UL << s) shift = s;
            return shift;
        }
    }

    private IEnumerable<int> SupportedPageShifts() => ((int[])[12, 16, 21]).Where(s => s <= ContiguousShift);

    /// <summary>Guest RAM is one contiguous block when the host backs it with hugepages.</summary>
    protected override bool PhysicallyContiguous => _host.HugePageBacking;

    /// <summary>The most a TCE table level may take: one allocation of contiguous, naturally aligned host memory.</summary>
    public const int MaxLevelShift = 16;
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
        var r = NewWindow(0, 0, 12, DefaultWindowSize >> 12, 1);
        return await new ValueTask<Result>(r.AsResult()).ConfigureAwait(false);
    }

    /// <summary>
    /// Linux pnv_pci_ioda2_table_alloc_pages: the bytes of one level for a window of 2^<paramref name="entriesShift"/>
    /// IO pages in <paramref name="levels"/> levels (ceil(entries_shift / levels) + 3, at least a host page), or null
    /// when the geometry is invalid ((level_shift - 3) * levels + page_shift ≥ 55, or levels outside 1..5).
    /// </summary>
    public static int? LevelShiftFor(int entriesShift, int pageShift, int levels)
    {
        if (levels < 1 || levels > 5 || entriesShift < 0) return null;
        int perLevel = (entriesShift + levels - 1) / levels;
        int levelShift = Math.Max(perLevel + 3, 12);
        return (levelShift - 3) * levels + pageShift >= 55 ? null : levelShift;
    }

    /// <summary>The fewest levels whose level fits <see cref="MaxLevelShift"/> (what the adapter asks for when the guest
    /// does not say), or null when none does.</summary>
    public static int? LevelsFor(int entriesShift, int pageShift)
    {
        for (int levels = 1; levels <= 5; levels++)
            if (LevelShiftFor(entriesShift, pageShift, levels) is int ls && ls <= MaxLevelShift) return levels;
        return null;
    }

    private Result<SpaprWindow> NewWindow(int index, ulong start, int pageShift, ulong entries, int levels)
    {
        int entriesShift = System.Numerics.BitOperations.Log2(entries);
        if (LevelShiftFor(entriesShift, pageShift, levels) is not int levelShift) return AdapterError.Invalid($"{levels} levels cannot cover 2^{entriesShift} TCEs of 2^{pageShift} bytes");
        if (levelShift > MaxLevelShift) return AdapterError.NoSpace($"a TCE level of 2^{levelShift} bytes exceeds the 2^{MaxLevelShift} bytes the adapter allocates contiguously");
        ulong bytes = 1UL << levelShift;
        int pages = (int)(bytes / Page);
        var table = Platform.Pages.AllocateContiguous($"tce:{Name}", pages, bytes);
        if (table is null) return AdapterError.NoSpace("no contiguous memory for the TCE table");
        if (!Platform.Memory.TryWrite(table.Value, new byte[bytes])) return AdapterError.NoSpace("the TCE table memory is not backed");
        var w = new SpaprWindow(this, _host.NewLiobn(), index, start, pageShift, entries, table.Value, pages, levels, levelShift);
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
        Opal.MapPeDmaWindow(PhbId, (ulong)pe, (ushort)(pe * 2 + w.Index), (ushort)w.Levels, w.Table, w.LevelBytes, w.PageSize);

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
        foreach (ulong level in w.IndirectLevels)
            for (ulong a = 0; a < w.LevelBytes; a += Page) Platform.Pages.Free(level + a);
        w.IndirectLevels.Clear();
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

    /// <summary>
    /// kvmppc_tce_validate: only RPN | W | R (else H_PARAMETER, the adapter's answer); a TCE with access must name
    /// registered (pinned) guest memory (else H_PARAMETER). An IO page larger than 4 KiB must be registered and
    /// host-contiguous, naturally aligned, for its whole size: KVM's mm_iommu_lookup / mm_iommu_ua_to_hpa
    /// (pageshift &gt; mem-&gt;pageshift) fail and kvmppc_tce_validate answers H_TOO_HARD, which the adapter returns
    /// (KVM would punt to QEMU, which accepts the TCE and only logs the failed VFIO map).
    /// </summary>
    private HcallRc TceCheck(SpaprWindow w, ulong tce)
    {
        ulong mask = ~(w.PageSize - 1) | 3;
        if ((tce & ~mask) != 0) return HcallRc.Parameter;
        if ((tce & 3) == 0) return HcallRc.Success; // DMA_NONE is always valid
        ulong gpa = tce & ~(w.PageSize - 1);
        if (gpa >= Config.MemorySize || !_registered.Contains(gpa)) return HcallRc.Parameter;
        if (w.PageShift == 12) return HcallRc.Success;
        if (FrameOf(gpa) is not { } first || first % w.PageSize != 0) return HcallRc.TooHard;
        for (ulong off = Page; off < w.PageSize; off += Page)
        {
            if (gpa + off >= Config.MemorySize || !_registered.Contains(gpa + off) || FrameOf(gpa + off) != first + off)
                return HcallRc.TooHard;
        }
        return HcallRc.Success;
    }

    /// <summary>The host TCE for a validated guest TCE: the IO page's first host frame with the same permission bits.</summary>
    private ulong HostTce(SpaprWindow w, ulong tce) => (tce & 3) == 0 ? 0 : FrameOf(tce & ~(w.PageSize - 1))!.Value | (tce & 3);

    /// <summary>
    /// Where the PHB reads the TCE for <paramref name="ioba"/> (a subclass may get this wrong): Linux pnv_tce, walking
    /// the levels from the top and allocating a missing lower level (zeroed, naturally aligned) on the way; an
    /// address that cannot be written (ulong.MaxValue) when a level cannot be allocated.
    /// </summary>
    protected virtual ulong EntryAddress(SpaprWindow w, ulong ioba) => LeafAddress(w, ioba, alloc: true) ?? ulong.MaxValue;

    /// <summary>pnv_tce: the leaf entry's host address; null when a level is missing and <paramref name="alloc"/> is false.</summary>
    private ulong? LeafAddress(SpaprWindow w, ulong ioba, bool alloc)
    {
        ulong idx = (ioba - w.Start) >> w.PageShift;
        int shift = w.LevelShift - 3;
        ulong levelMask = (1UL << shift) - 1;
        ulong table = w.Table;
        for (int level = w.Levels - 1; level > 0; level--)
        {
            ulong at = table + ((idx >> (level * shift)) & levelMask) * 8;
            if (!Platform.Memory.TryReadBe(at, 8, out ulong entry)) return null;
            if (entry == 0)
            {
                if (!alloc) return null;
                var next = Platform.Pages.AllocateContiguous($"tce:{Name}", (int)(w.LevelBytes / Page), w.LevelBytes);
                if (next is null) return null;
                if (!Platform.Memory.TryWrite(next.Value, new byte[w.LevelBytes]) || !Platform.Memory.TryWriteBe(at, 8, next.Value | 3))
                {
                    for (ulong a = 0; a < w.LevelBytes; a += Page) Platform.Pages.Free(next.Value + a);
                    return null;
                }
                w.IndirectLevels.Add(next.Value);
                entry = next.Value | 3; // TCE_PCI_READ | TCE_PCI_WRITE
            }
            table = entry & ~3UL;
        }
        return table + (idx & levelMask) * 8;
    }

    private bool Store(SpaprWindow w, ulong ioba, ulong tce)
    {
        w.SetGuestTce((ioba - w.Start) >> w.PageShift, tce);
        ulong host = HostTce(w, tce);
        // Clearing a TCE below a level that was never allocated has nothing to clear (pnv_tce without alloc).
        if (host == 0 && w.Levels > 1 && LeafAddress(w, ioba, alloc: false) is null) return true;
        return Platform.Memory.TryWriteBe(EntryAddress(w, ioba), 8, host);
    }

    /// <summary>H_PUT_TCE (0x20): liobn, ioba, tce.</summary>
    public HcallRc PutTceCore(ulong liobn, ulong ioba, ulong tce)
    {
        if (FindWindow(liobn) is not { } w) return HcallRc.Parameter;
        if (!IobaValid(w, ioba, 1)) return HcallRc.Parameter;
        var check = TceCheck(w, tce);
        if (check != HcallRc.Success) return check;
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
            var check = TceCheck(w, tces[i]);
            if (check != HcallRc.Success) return check;
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
        tce = w.GuestTce((ioba - w.Start) >> w.PageShift);
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

    /// <summary>
    /// VFIO_IOMMU_SPAPR_TCE_CREATE as QEMU issues it for a DDW: a page size this guest supports
    /// (<see cref="PageSizes"/>), a power-of-two size of at least one IO page, and <paramref name="levels"/> 1..5 whose
    /// level (Linux's geometry) fits <see cref="MaxLevelShift"/>; 0 levels lets the adapter choose the fewest that fit.
    /// </summary>
    public ValueTask<Result<DmaWindow>> CreateWindowAsync(int pageShift, ulong size, int levels, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!SupportedPageShifts().Contains(pageShift)) return new(AdapterError.Invalid($"IO page size 2^{pageShift} is not supported by this guest's windows"));
        if (size < (1UL << pageShift) || !System.Numerics.BitOperations.IsPow2(size)) return new(AdapterError.Invalid("the window size must be a power of two of at least one IO page"));
        if (levels < 0 || levels > 5) return new(AdapterError.Invalid($"{levels} TCE levels (1..5)"));
        if (NextWindowSlot() is not (int slot, ulong start)) return new(AdapterError.NoSpace("both windows are in use"));
        if (size > DdwStart) return new(AdapterError.Invalid("a window must stay below 2^59 bytes"));
        int entriesShift = System.Numerics.BitOperations.Log2(size) - pageShift;
        if (levels == 0)
        {
            if (LevelsFor(entriesShift, pageShift) is not int fewest) return new(AdapterError.NoSpace("no TCE table geometry fits"));
            levels = fewest;
        }
        var r = NewWindow(slot, start, pageShift, 1UL << entriesShift, levels);
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
                // windows available, largest block (pages, QEMU's 0x80000000), page-size mask, migration capable
                return [S, _windows.Count(x => x is null), 0x8000_0000L, (long)RtasDdwPageMask(), 0];
            case "ibm,create-pe-dma-window":
            {
                if (pe is null) return [P];
                int pageShift = (int)A(3), windowShift = (int)A(4);
                // QEMU: an unsupported page size or a window smaller than a page is PARAM_ERROR; no free window, or
                // a window the host cannot build (beyond 2^59, no TCE geometry that fits), is HW_ERROR.
                if (pageShift > 63 || !SupportedPageShifts().Contains(pageShift) || windowShift < pageShift) return [P];
                if (NextWindowSlot() is not (int slot, ulong start) || windowShift > 59) return [H];
                if (LevelsFor(windowShift - pageShift, pageShift) is not int levels) return [H];
                var r = NewWindow(slot, start, pageShift, 1UL << (windowShift - pageShift), levels);
                if (!r.IsOk) return [H];
                return [S, r.Value.Liobn, (long)(start >> 32), (long)(start & 0xffff_ffff)];
            }
            case "ibm,remove-pe-dma-window":
            {
                // QEMU rtas_ibm_remove_pe_dma_window: any active window of the guest, the default one included.
                var w = FindWindow(A(0));
                if (w is null) return [P];
                DropWindow(w);
                return [S];
            }
            case "ibm,reset-pe-dma-window":
            {
                // QEMU spapr_phb_dma_reset: every window goes, the default 32-bit window comes back.
                if (pe is null) return [P];
                foreach (var w in TceWindows) DropWindow(w);
                return NewWindow(0, 0, 12, DefaultWindowSize >> 12, 1).IsOk ? [S] : [H];
            }
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

    /// <summary>
    /// Where the next window goes (QEMU rtas_ibm_create_pe_dma_window, SPAPR_PCI_DMA_MAX_WINDOWS = 2): with no window
    /// active, at dma_win_addr (0, TVE pe*2); with one, at dma64_win_addr (2^59, TVE pe*2+1); null when both are in
    /// use, or when only the 2^59 window is active (QEMU would put the new one at 2^59 again).
    /// </summary>
    private (int Slot, ulong Start)? NextWindowSlot() => (_windows[0], _windows[1]) switch
    {
        (null, null) => (0, 0UL),
        (not null, null) => (1, DdwStart),
        _ => null,
    };

    /// <summary>The ibm,query-pe-dma-window page-size mask (QEMU spapr.h RTAS_DDW_PGSIZE_4K 0x01, _64K 0x02, _2M 0x100).</summary>
    public uint RtasDdwPageMask() => SupportedPageShifts().Aggregate(0u, (m, s) => m | s switch { 12 => 0x01u, 16 => 0x02u, 21 => 0x100u, _ => 0u });

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

    /// <summary>
    /// VFIO_DEVICE_PCI_HOT_RESET on PowerNV: pci_reset_bus reaches pnv_pci_reset_secondary_bus, which resets through
    /// EEH (pnv_eeh_bridge_reset HOT, then DEACTIVATE) rather than the bridge's own Secondary Bus Reset. The scope
    /// (every function on the bus in a group this owner holds) was checked by the caller; the reset is the PE's (the
    /// port slot above its bus, polled to completion — see <see cref="ResetPe"/>; not the PHB slot Linux's
    /// pnv_eeh_root_reset would use for a bus right below a root port, which would reset other owners' devices).
    /// </summary>
    protected override ValueTask<Result>? OnHotResetAsync(Bdf device, CancellationToken cancellationToken)
    {
        var group = Platform.Facts.GroupOf(device);
        if (group is null || !Groups.Contains(group.Id)) return new(AdapterError.NotFound($"{Name} does not hold the PE of {device}"));
        return new(ResetPe(group.Id, fundamental: false, cancellationToken));
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
        // A PE behind a PCIe-to-PCI bridge (PNV_IODA_PE_BUS_ALL): bus->self is that bridge, which has no firmware slot
        // (skiboot makes slots for PCIe ports), so pnv_eeh_bridge_reset falls back to __pnv_eeh_bridge_reset.
        var bridge = port is null
            ? Platform.Facts.Devices.FirstOrDefault(d => Reference.Topology.DeviceKinds.IsBridge(d.Kind) && Platform.Config.Read(d.Bdf, 0x18, 4) is uint sb && sb != 0xffff_ffffu && ((sb >> 8) & 0xff) == (uint)bus)
            : null;
        if (port is null && bridge is null) return new AdapterError(AdapterErrorKind.Io, $"no bridge above bus {bus:x2}");
        // The bridge's secondary bus reset reaches every function below it: each must be in a group this owner holds
        // (for a bus-all PE they are the PE's own functions).
        foreach (var other in port is null ? Platform.Facts.HotResetScope(devices[0]) : [])
        {
            if (Platform.Facts.GroupOf(other) is not { } g || !Groups.Contains(g.Id))
                return AdapterError.Invalid($"resetting PE {groupId} also resets {other}, whose group {Name} does not hold");
        }
        ulong pe = PeNumber(groupId);

        var frozen = Opal.EehFreezeSet(PhbId, pe, (ulong)OpalEehAction.All);
        if (frozen != OpalRc.Success) return new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_EEH_FREEZE_SET: {frozen}");
        if (port is null)
        {
            // __pnv_eeh_bridge_reset (HOT and FUNDAMENTAL alike): Secondary Bus Reset in Bridge Control, held
            // EEH_PE_RST_HOLD_TIME (250 ms); DEACTIVATE releases it and waits EEH_PE_RST_SETTLE_TIME (1800 ms).
            uint control = Platform.Config.Read(bridge!.Bdf, PciConfigRegisters.BridgeControl, 2);
            Platform.Config.Write(bridge.Bdf, PciConfigRegisters.BridgeControl, 2, control | PciConfigRegisters.SecondaryBusReset);
            Platform.Relax(250);
            Platform.Config.Write(bridge.Bdf, PciConfigRegisters.BridgeControl, 2, control & ~PciConfigRegisters.SecondaryBusReset);
            Platform.Relax(1800);
        }
        else
        {
            ulong slot = OpalPci.SlotId(PhbId, port.Bdf);
            byte scope = (byte)(fundamental ? OpalPciResetScope.PciFundamental : OpalPciResetScope.PciHot);
            long rc = Opal.Reset(slot, scope, (byte)OpalPciResetState.Assert);
            if (rc > 0) rc = PollSlot(slot, rc, ct);
            if (rc != 0) return new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_RESET slot 0x{slot:x}: {Describe(rc)}");
        }
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
        // The group's MSI sources first: masked in the XIVE and back in the pool.
        bool masked = ReleaseMsis(key => group.Devices.Contains(key.Device));
        foreach (var w in TceWindows)
        {
            var rc = Opal.MapPeDmaWindow(PhbId, (ulong)pe, (ushort)(pe * 2 + w.Index), 0, 0, 0, 0);
            if (rc != OpalRc.Success) return new(AdapterError.Invalid($"OPAL_PCI_MAP_PE_DMA_WINDOW (disable) PE {pe}: {rc}"));
        }
        var kill = Opal.TceKill(PhbId, (uint)OpalTceKillType.Pe, (ulong)pe, 0, 0, 0);
        if (kill != OpalRc.Success) return new(new AdapterError(AdapterErrorKind.Io, $"OPAL_PCI_TCE_KILL: {kill}"));
        return new(masked ? Result.Ok : new AdapterError(AdapterErrorKind.Io, "OPAL_XIVE_SET_IRQ_CONFIG refused to mask a source of the detached group"));
    }

    // ---- MSI-X routing (PHB MSI → XIVE → vCPU) --------------------------------------------------

    /// <summary>
    /// The priority of a guest's device interrupts: KVM (<c>kvmppc_xive_set_mapped</c>) uses the priority the guest chose;
    /// the kit's guests do not choose, so 6, an OS priority below 7 (skiboot XIVE_EMULATION_PRIO / XIVE_ESCALATION_PRIO).
    /// </summary>
    public const byte MsiPriority = 6;

    /// <summary>OPAL_XIVE_SET_IRQ_CONFIG's prio 0xff: mask the source (IVE_MASKED).</summary>
    private const byte MaskPriority = 0xff;

    /// <summary>The PHB source and VP behind each routed (device, MSI-X entry).</summary>
    private readonly Dictionary<(Bdf Device, int Entry), (int Source, uint Vp)> _msis = [];

    /// <summary>The PHB interrupt sources this guest's MSI-X entries use.</summary>
    public IReadOnlyDictionary<(Bdf Device, int Entry), (int Source, uint Vp)> MsiSources => _msis;

    /// <summary>
    /// Routes MSI-X entry <paramref name="index"/> as Linux (pci-ioda.c <c>pnv_pci_ioda_msi_setup</c>) and KVM
    /// (<c>kvmppc_xive_set_mapped</c>) do for a passed-through device: (1) a PHB source from the host's pool;
    /// (2) OPAL_PCI_SET_XIVE_PE(phb, PE, source) so only the device's PE may raise it; (3) OPAL_GET_MSI_64(phb, PE,
    /// source, 1) for the message; (4) OPAL_XIVE_SET_IRQ_CONFIG(base_msi + source, VP = the vCPU, prio, lirq = the
    /// guest's vector); (5) the message into the device's MSI-X entry, unmasked. A failed call frees a new source.
    /// </summary>
    protected override ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct) =>
        new(RouteMsi(device, index, target));

    private Result RouteMsi(DeviceFacts device, int index, GuestVector target)
    {
        // A group's id is its PE number (the platform assigned it).
        ulong pe = (ulong)Groups.First(g => Platform.Facts.Group(g)!.Devices.Contains(device.Bdf));
        var key = (device.Bdf, index);
        bool fresh = !_msis.TryGetValue(key, out var msi);
        if (fresh)
        {
            if (_host.AllocateMsi() is not { } s) return AdapterError.NoSpace("no free MSI source on the PHB");
            msi = (s, target.Vcpu);
        }
        Result Fail(string what)
        {
            if (fresh) _host.FreeMsi(msi.Source);
            return new AdapterError(AdapterErrorKind.Io, what);
        }
        // 2. The MIST: only the device's PE may raise the source.
        var mist = Opal.SetXivePe(PhbId, pe, (uint)msi.Source);
        if (mist != OpalRc.Success) return Fail($"OPAL_PCI_SET_XIVE_PE PE {pe} source {msi.Source}: {mist}");
        // 3. The 64-bit MSI message of the source.
        var message = Opal.Call(OpalToken.OPAL_GET_MSI_64, [PhbId, pe, (ulong)msi.Source, 1]);
        if (!message.IsSuccess) return Fail($"OPAL_GET_MSI_64 source {msi.Source}: {message.Code}");
        // 4. The EAS: the vCPU's VP, the guest's vector as the event number.
        uint girq = _host.MsiBase + (uint)msi.Source;
        var eas = Opal.Call(OpalToken.OPAL_XIVE_SET_IRQ_CONFIG, [girq, target.Vcpu, MsiPriority, (ulong)target.Vector]);
        if (!eas.IsSuccess) return Fail($"OPAL_XIVE_SET_IRQ_CONFIG girq 0x{girq:x} VP {target.Vcpu}: {eas.Code}");
        _msis[key] = (msi.Source, target.Vcpu);
        // 5. The device's MSI-X entry.
        WriteMsixEntry(device, index, message.Out[0], (uint)message.Out[1], masked: false);
        return Result.Ok;
    }

    /// <summary>
    /// Masks (OPAL_XIVE_SET_IRQ_CONFIG prio 0xff, EQ data back to the girq as at boot) and returns to the pool the sources
    /// of <paramref name="devices"/>' entries, so they reach nothing of this guest. A source the firmware would not mask
    /// stays out of the pool (it may still be routed); false then.
    /// </summary>
    private bool ReleaseMsis(Func<(Bdf Device, int Entry), bool> entries)
    {
        bool ok = true;
        foreach (var (key, msi) in _msis.Where(e => entries(e.Key)).ToList())
        {
            uint girq = _host.MsiBase + (uint)msi.Source;
            var rc = Opal.Call(OpalToken.OPAL_XIVE_SET_IRQ_CONFIG, [girq, msi.Vp, MaskPriority, girq]);
            _msis.Remove(key);
            if (!rc.IsSuccess) { ok = false; continue; }
            _host.FreeMsi(msi.Source);
        }
        return ok;
    }

    /// <summary>Disabling an entry masks it in the device's table and takes its XIVE route down (prio 0xff), returning its
    /// source to the pool: a disabled entry reaches nothing even if the guest rewrites the (mappable) table.</summary>
    protected override ValueTask<Result> OnDisableAsync(DeviceFacts device, int index, CancellationToken ct)
    {
        WriteMsixEntry(device, index, 0, 0, masked: true);
        return new(ReleaseMsis(key => key.Device == device.Bdf && key.Entry == index)
            ? Result.Ok
            : new AdapterError(AdapterErrorKind.Io, $"OPAL_XIVE_SET_IRQ_CONFIG refused to mask the source of {device.Bdf} MSI-X entry {index}"));
    }

    protected override ValueTask OnDestroyAsync(CancellationToken ct)
    {
        // Destroy cannot fail: a source the firmware refused to mask is kept out of the pool by ReleaseMsis.
        ReleaseMsis(_ => true);
        foreach (var w in TceWindows) DropWindow(w);
        return ValueTask.CompletedTask;
    }
}
