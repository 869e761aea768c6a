using Conformance.Reference.Bus;
using Conformance.Reference.Memory;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Power;

/// <summary>
/// One IBM POWER9 PHB4 (IODA3) as skiboot drives it: the RID→PE table, the per-PE DMA windows (TVT, TCE tables, TCE
/// cache), the segmented M32 window (MDT) and M64 BARs (MBT), MSI validation (MIST) and the EEH state of every PE
/// (PEST/PEEV, PELT-V). A validated MSI is handed to the chip's <see cref="Power.Xive"/> as girq = irq base + source. Software programs it only through <see cref="OpalPci"/> and the TCE tables in memory; it
/// answers every DMA, MSI and CPU MMIO access with an architected outcome and never throws for programmed state.
/// </summary>
public sealed class Phb4
{
    /// <param name="xive">The chip's interrupt controller, shared by its PHBs; null gives this PHB one of its own.</param>
    public Phb4(PhbConfig config, PhysicalMemory memory, IPciMemoryDecoder pci, Xive? xive = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Memory = memory ?? throw new ArgumentNullException(nameof(memory));
        Pci = pci ?? throw new ArgumentNullException(nameof(pci));
        Rtt = new RequesterTranslationTable(config.ReservedPe);
        Peltv = new PeltV(config.NumPe);
        Tvt = new TranslationValidationTable(config.NumPe);
        Mdt = new MemoryDomainTable(config.NumPe);
        Mbt = new M64BarTable(config.MbtSize);
        Msi = new MsiValidation(config.NumIrqs);
        Pest = new PeStateTable(config.NumPe);
        M32Region = new WindowRegion(this, isM64: false);
        M64Region = new WindowRegion(this, isM64: true);
        Registers = new RegisterBlock(this);
        // phb4_create: xive_alloc_hw_irqs + xive_register_hw_source for the MSIs and the 8 LSIs.
        Xive = xive ?? new Xive();
        Xive.RegisterHwSource(config.EffectiveIrqBase, config.NumIrqs);
    }

    public PhbConfig Config { get; }
    public PhysicalMemory Memory { get; }
    public IPciMemoryDecoder Pci { get; }
    public int NumPes => Config.NumPe;
    public int ReservedPe => Config.ReservedPe;

    public RequesterTranslationTable Rtt { get; }
    public PeltV Peltv { get; }
    public TranslationValidationTable Tvt { get; }
    public TceCache TceCache { get; } = new();
    public MemoryDomainTable Mdt { get; }
    public M64BarTable Mbt { get; }
    public MsiValidation Msi { get; }
    public PeStateTable Pest { get; }
    /// <summary>The XIVE the PHB notifies (its sources are girqs <see cref="PhbConfig.EffectiveIrqBase"/>..+NumIrqs).</summary>
    public Xive Xive { get; }

    /// <summary>The girq of interrupt source <paramref name="source"/> (skiboot <c>p-&gt;base_msi + source</c>).</summary>
    public uint Girq(int source) => Config.EffectiveIrqBase + (uint)source;

    /// <summary>The CPU side of the M32 window (offsets from <c>m32.cpu_base</c>).</summary>
    public IMmioRegion M32Region { get; }
    /// <summary>The CPU side of the M64 window (offsets from <c>m64.cpu_base</c>).</summary>
    public IMmioRegion M64Region { get; }
    /// <summary>The PHB register block (only PHB_TCE_KILL 0x210 is modelled).</summary>
    public IMmioRegion Registers { get; }

    /// <summary>The PE a requester belongs to (an RTE beyond the PE count reads as the reserved PE).</summary>
    public int PeOf(ushort rid)
    {
        int pe = Rtt[rid];
        return pe < NumPes ? pe : ReservedPe;
    }

    // ---- slot resets (OpalPci's slot state machines drive these) -------------------------------

    private readonly List<(int Secondary, int Subordinate)> _heldInReset = [];

    /// <summary>PHB4_AIB_FENCED during a complete reset (hw/phb4.c <c>phb4_creset</c> forces a fence until the ETU is
    /// re-initialised): freeze status reports MMIO+DMA frozen with a PHB error, DMA and MMIO are stopped for every PE.</summary>
    public bool Fenced { get; internal set; }

    /// <summary>PHB4_CFG_BLOCKED (<c>phb4_prepare_link_change</c>): while the link is down skiboot refuses configuration
    /// accesses below the root port with OPAL_HARDWARE (the OPAL config calls are not modelled; this is the flag).</summary>
    public bool ConfigBlocked { get; internal set; }

    /// <summary>Whether a function on <paramref name="bus"/> is held in reset by a slot reset in progress (SBR or PERST
    /// asserted, or its link not yet trained): it masters no DMA.</summary>
    public bool BusHeldInReset(int bus) => _heldInReset.Exists(r => bus >= r.Secondary && bus <= r.Subordinate);

    internal void HoldInReset(int secondary, int subordinate) => _heldInReset.Add((secondary, subordinate));

    internal void ReleaseReset(int secondary, int subordinate) => _heldInReset.Remove((secondary, subordinate));

    // ---- EEH ----------------------------------------------------------------------------------

    /// <summary>
    /// An error freeze of <paramref name="pe"/>: PESTA (MMIO frozen) and PESTB (DMA stopped) are set for it and for every
    /// PE in its PELT-V, so a parent bus PE's error freezes its children (Linux puts each PE in all ancestors' vectors).
    /// </summary>
    public void Freeze(int pe, PeErrorRecord record)
    {
        Pest.ErrorFreeze(pe, record);
        foreach (int child in Peltv.Members(pe))
        {
            if (child != pe) Pest.ErrorFreeze(child, record with { Why = $"frozen through PE#{pe}'s PELT-V: {record.Why}" });
        }
    }

    private DmaTranslation FreezeDma(int pe, ushort rid, ulong address, ulong cause, string why)
    {
        Freeze(pe, new PeErrorRecord(cause | ((ulong)rid << 16), address & ((1UL << 61) - 1), why));
        return DmaTranslation.Frozen(pe, why);
    }

    // ---- DMA ----------------------------------------------------------------------------------

    /// <summary>Inbound DMA: RID → PE, window select by bit 59, TVE, TCE cache or table walk, permission.</summary>
    public DmaTranslation TranslateDma(in DmaRequest request)
    {
        ushort rid = request.RequesterId;
        ulong address = request.Address;
        bool write = request.Direction == DmaDirection.Write;

        // 1. The RTT gives the PE.
        int pe = PeOf(rid);
        // 2. A PE whose DMA is stopped gets no DMA at all; nor does a fenced PHB or a function held in reset.
        if (Pest.DmaStopped(pe)) return DmaTranslation.Frozen(pe, $"PE#{pe} is frozen (PESTB DMA stopped)");
        if (Fenced) return DmaTranslation.Frozen(pe, $"PHB#{Config.PhbId} is fenced (complete reset in progress)");
        if (BusHeldInReset(rid >> 8)) return DmaTranslation.Frozen(pe, $"requester {rid >> 8:x2}:{(rid >> 3) & 0x1f:x2}.{rid & 7} is held in reset by a slot reset in progress");
        // 3. The top nibble: 0 = DMA (or the 32-bit MSI window), 1 = 64-bit MSI window, others are errors.
        ulong nibble = address >> 60;
        if (nibble == 1 || (nibble == 0 && MsiValidation.IsMsi32Address(address)))
        {
            if (write) return DmaTranslation.Interrupt;
            return FreezeDma(pe, rid, address, PeErrorRecord.Ioda3Error, $"DMA read of the MSI window at 0x{address:x}");
        }
        if (nibble != 0)
            return FreezeDma(pe, rid, address, PeErrorRecord.Ioda3Error, $"DMA address 0x{address:x} has top nibble {nibble:x} (not DMA or MSI)");
        // 4. Bit 59 selects the PE's second TVE.
        int tveIndex = TranslationValidationTable.IndexFor(pe, address);
        var tve = Tvt[tveIndex];
        ulong offset = address & ((1UL << 59) - 1);
        if (!tve.Valid)
            return FreezeDma(pe, rid, address, PeErrorRecord.TcePageFault, $"TVE#{tveIndex} (PE#{pe} window {tveIndex & 1}) is disabled");
        // 5. A non-translating TVE passes [start, end) straight through.
        if (tve.NonTranslating)
        {
            if (offset >= tve.BypassStart && offset < tve.BypassEnd) return DmaTranslation.Ok(offset);
            return FreezeDma(pe, rid, address, PeErrorRecord.TcePageFault,
                $"0x{offset:x} is outside PE#{pe}'s bypass window 0x{tve.BypassStart:x}..0x{tve.BypassEnd:x}");
        }
        // 6. A translating TVE: the window must contain the offset (checked against the TVE as it is now).
        if (tve.Levels > TceTableWalk.MaxLevels || !TceTableWalk.IsSupportedIoPageSize(tve.IoPageSize))
        {
            var bad = TceTableWalk.Walk(tve, offset, Memory);
            return FreezeDma(pe, rid, address, PeErrorRecord.TcePageFault, $"TVE#{tveIndex}: {bad.Why}");
        }
        int pageShift = tve.IoPageSize + 11;
        int span = TceTableWalk.SpanBits(tve);
        if (span < 64 && (offset >> span) != 0)
            return FreezeDma(pe, rid, address, PeErrorRecord.TcePageFault, $"0x{address:x} is outside PE#{pe}'s window {tveIndex & 1} (2^{span} bytes)");
        // 7. The TCE cache first; a miss walks the tables in memory and fills the cache.
        if (!TceCache.TryLookup(tveIndex, offset, pageShift, out var tce))
        {
            var walk = TceTableWalk.Walk(tve, offset, Memory);
            if (!walk.Ok) return FreezeDma(pe, rid, address, PeErrorRecord.TcePageFault, $"PE#{pe} TVE#{tveIndex}: {walk.Why}");
            tce = walk.Tce;
            TceCache.Insert(tveIndex, offset, pageShift, tce);
        }
        // 8. The TCE's permission must allow the access.
        if (write && !tce.Write)
            return FreezeDma(pe, rid, address, PeErrorRecord.TceAccessFault, $"write through read-only TCE 0x{tce.Raw:x} at 0x{address:x}");
        if (!write && !tce.Read)
            return FreezeDma(pe, rid, address, PeErrorRecord.TceAccessFault, $"read through write-only TCE 0x{tce.Raw:x} at 0x{address:x}");
        return DmaTranslation.Ok(tce.PageAddress(pageShift) | (offset & ((1UL << pageShift) - 1)));
    }

    // ---- MSI ----------------------------------------------------------------------------------

    /// <summary>
    /// An MSI: the source number from address and data; the MIST must give the requester's own PE; then the PHB
    /// notifies the XIVE with girq = base_msi + source (PHB_INT_NOTIFY_INDEX = <c>xive_get_notify_base(base_msi)</c>),
    /// which routes it through the source's EAS to a VP: the destination is the VP (interrupt server) number and the
    /// vector the EISN (the EAS's EQ data, Linux's lirq).
    /// </summary>
    /// <remarks>
    /// A MIST PE mismatch drops the MSI and freezes nothing: QEMU's PHB3 model (<c>pnv_phb3_msi_send</c>, IODA2 IVT PE
    /// check) does so; the PHB4 PEST can also record an MSI error (IODA3_PEST0_TTYPE = PEST_TTYPE_MSI), which would
    /// freeze the sender's PE — not modelled, as no public source says which MSI checks set it.
    /// </remarks>
    public InterruptOutcome ValidateMsi(in MsiRequest request)
    {
        int pe = PeOf(request.RequesterId);
        // 0. An MSI is an inbound DMA write: a fenced PHB drops it, and a function held in reset by a slot reset
        //    sends nothing (as TranslateDma; skiboot phb4_creset fences, pcie-slot hreset holds secondary bus reset).
        if (Fenced) return InterruptOutcome.Blocked(0, $"PHB#{Config.PhbId} is fenced (complete reset in progress)");
        if (BusHeldInReset(request.RequesterId >> 8))
            return InterruptOutcome.Blocked(0, $"requester bus {request.RequesterId >> 8:x2} is held in reset by a slot reset in progress");
        // 1. A frozen PE's MSIs (DMA writes) are stopped with the rest of its DMA.
        if (Pest.DmaStopped(pe)) return InterruptOutcome.Blocked(0, $"PE#{pe} is frozen (PESTB DMA stopped)");
        // 2. The address must be in one of the MSI windows.
        if (!MsiValidation.IsMsi32Address(request.Address) && !MsiValidation.IsMsi64Address(request.Address))
            return InterruptOutcome.Blocked(0, $"0x{request.Address:x} is not in a PHB MSI window");
        // 3. The source must be an MSI source of this PHB.
        int source = MsiValidation.SourceNumber(request.Address, request.Data);
        if (source >= Msi.MsiCount) return InterruptOutcome.Blocked(0, $"MSI source {source} is beyond the PHB's {Msi.MsiCount} MSIs");
        // 4. The source's MIST PE must be the requester's PE.
        int owner = Msi.OwnerPe(source);
        if (owner != pe) return InterruptOutcome.Blocked(0, $"MSI source {source} belongs to PE#{owner}, not to the requester's PE#{pe}");
        // 5. The XIVE routes girq = base_msi + source through its EAS.
        uint girq = Girq(source);
        var d = Xive.Trigger(girq);
        if (!d.Delivered) return InterruptOutcome.Blocked(0, $"MSI source {source}: {d.Why}");
        return InterruptOutcome.Delivered(d.Vp, (int)d.Eisn);
    }

    // ---- CPU MMIO -----------------------------------------------------------------------------

    private bool TryM32Pe(ulong offset, out int pe)
    {
        int segment = (int)Math.Min((ulong)(NumPes - 1), offset / Config.M32SegmentSize);
        pe = Mdt.M32Pe(segment);
        if (pe >= NumPes) pe = ReservedPe;
        return true;
    }

    private bool TryM64Pe(ulong offset, out int pe)
    {
        pe = -1;
        if (Config.M64 is not { } w) return false;
        // The MBT holds the addresses Linux passes to set_phb_mem_window: PCI addresses (on PHB4 equal to CPU ones).
        if (!Mbt.TryDecode(w.PciBase + offset, NumPes, Mdt, out _, out pe)) return false;
        if (pe >= NumPes) pe = ReservedPe;
        return true;
    }

    private ulong WindowRead(bool m64, ulong offset, int width)
    {
        var window = m64 ? Config.M64!.Value : Config.M32;
        int pe;
        if (Fenced) return MmioBus.AllOnes(width); // a fenced PHB answers all-ones
        if (!(m64 ? TryM64Pe(offset, out pe) : TryM32Pe(offset, out pe))) return MmioBus.AllOnes(width); // no M64 BAR decodes it
        // A frozen PE's MMIO loads return all-ones without reaching the device.
        if (Pest.MmioFrozen(pe)) return MmioBus.AllOnes(width);
        ulong pci = window.PciBase + offset;
        if (Pci.TryRead(Config.Segment, pci, width, out ulong value)) return value;
        // No BAR claimed the load: the PE that owns the segment is frozen.
        Freeze(pe, new PeErrorRecord(PeErrorRecord.MmioCause | PeErrorRecord.UrReturn, pci, $"MMIO load at PCI 0x{pci:x} hit no BAR (PE#{pe})"));
        return MmioBus.AllOnes(width);
    }

    private void WindowWrite(bool m64, ulong offset, int width, ulong value)
    {
        var window = m64 ? Config.M64!.Value : Config.M32;
        int pe;
        if (Fenced) return; // dropped by a fenced PHB
        if (!(m64 ? TryM64Pe(offset, out pe) : TryM32Pe(offset, out pe))) return;
        if (Pest.MmioFrozen(pe)) return; // dropped
        ulong pci = window.PciBase + offset;
        if (Pci.TryWrite(Config.Segment, pci, width, value)) return;
        Freeze(pe, new PeErrorRecord(PeErrorRecord.MmioCause | PeErrorRecord.UrReturn, pci, $"MMIO store at PCI 0x{pci:x} hit no BAR (PE#{pe})"));
    }

    /// <summary>The PE that owns the CPU address inside one of this PHB's windows, or -1.</summary>
    public int PeOfCpuAddress(ulong cpuAddress)
    {
        if (cpuAddress >= Config.M32.CpuBase && cpuAddress - Config.M32.CpuBase < Config.M32.Size && TryM32Pe(cpuAddress - Config.M32.CpuBase, out int pe))
            return pe;
        if (Config.M64 is { } w && cpuAddress >= w.CpuBase && cpuAddress - w.CpuBase < w.Size && TryM64Pe(cpuAddress - w.CpuBase, out pe))
            return pe;
        return -1;
    }

    // ---- resets ---------------------------------------------------------------------------------

    /// <summary>skiboot <c>phb4_ioda_reset</c>: with <paramref name="purge"/> the firmware caches return to defaults;
    /// then the tables are restored from them, PEST/PEEV cleared, the RTC invalidated and the TCE cache killed.</summary>
    public void IodaReset(bool purge)
    {
        if (purge)
        {
            Rtt.Reset(ReservedPe);
            Peltv.Clear();
            Tvt.Clear();
            Msi.Reset();
            Mdt.Reset();
            Mbt.Reset();
        }
        else
        {
            Mbt.RestoreFromCache();
        }
        Pest.Clear();
        TceCache.KillAll();
    }

    // ---- regions ------------------------------------------------------------------------------

    private sealed class WindowRegion(Phb4 phb, bool isM64) : IMmioRegion
    {
        public ulong Read(ulong offset, int width) => phb.WindowRead(isM64, offset, width);
        public void Write(ulong offset, int width, ulong value) => phb.WindowWrite(isM64, offset, width, value);
    }

    /// <summary>PHB4 registers (include/phb4-regs.h): PHB_TCE_KILL 0x210 — ALL bit 0, PE bit 1, ONE bit 2, PENUM 55:63.</summary>
    private sealed class RegisterBlock(Phb4 phb) : IMmioRegion
    {
        public const ulong TceKill = 0x210;

        public ulong Read(ulong offset, int width) => 0; // kills complete at once: no kill is ever pending

        public void Write(ulong offset, int width, ulong value)
        {
            if (offset != TceKill || width != 8) return;
            if ((value & (1UL << 63)) != 0) phb.TceCache.KillAll();
            else if ((value & (3UL << 61)) != 0) phb.TceCache.KillPe((int)(value & 0x1ff)); // a ONE kill drops the whole PE's entries (a superset)
        }
    }
}
