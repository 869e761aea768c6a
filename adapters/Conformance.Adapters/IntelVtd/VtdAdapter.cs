using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

// The deliberately broken variants (adapters/Conformance.Adapters.Broken) write their defects against the driver's own
// queue and table helpers.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Conformance.Adapters.Broken")]

namespace Conformance.Adapters.IntelVtd;

/// <summary>
/// The host side of the VT-d driver: brings each remapping unit up (root table, invalidation queue, interrupt
/// remapping table, translation), hands out domain IDs and IRTEs, writes context entries, and submits
/// invalidations through the queue, waiting for each batch with an invalidation-wait descriptor (§6.5.2.8).
/// One root table, context tables and interrupt remapping table are shared by every unit; DIDs are global.
/// </summary>
public class VtdAdapter : HostAdapterBase
{
    private const ulong Page = HostPageAllocator.PageSize;
    /// <summary>256 IRTEs: IRTA.S = 7 (2^(S+1) entries, §10.4.29), one 4 KiB page.</summary>
    internal const int IrteCount = 256;
    private const int QueueSlots = 256; // IQA.QS = 0: 2^(0+8) 128-bit descriptors in one page (§10.4.23)
    private const int PollLimit = 1024;

    private readonly List<Unit> _units = [];
    private readonly Dictionary<int, ulong> _contextTables = new();
    private readonly bool[] _irtes = new bool[IrteCount];
    private readonly HashSet<ushort> _dids = [];
    private readonly ulong _status;
    private uint _sequence;

    /// <summary>One DRHD unit: its register page and its invalidation queue.</summary>
    private sealed class Unit(ulong registers, ulong cap, ulong ecap, ulong queue)
    {
        public ulong Registers { get; } = registers;
        public ulong Cap { get; } = cap;
        public ulong Ecap { get; } = ecap;
        public ulong Queue { get; } = queue;
        public int Tail { get; set; }
    }

    public VtdAdapter(IPlatformAccess platform, AdapterCapabilities capabilities, bool allowUnsafeInterrupts) : base(platform, capabilities)
    {
        AllowUnsafeInterrupts = allowUnsafeInterrupts;
        var units = platform.Facts.Units.Where(u => u.Kind == "intel-vtd").ToList();
        if (units.Count == 0) throw new InvalidOperationException("no intel-vtd unit in the platform facts");
        RootTable = NewZeroedPage("vtd:tables") ?? throw new InvalidOperationException("no memory for the root table");
        Irt = NewZeroedPage("vtd:tables") ?? throw new InvalidOperationException("no memory for the interrupt remapping table");
        _status = NewZeroedPage("vtd:tables") ?? throw new InvalidOperationException("no memory for the wait status");
        int mgaw = int.MaxValue, mamv = int.MaxValue, domains = int.MaxValue;
        bool ir = true;
        foreach (var u in units)
        {
            ulong cap = platform.Mmio.Read(u.MmioBase + VtdRegisters.Cap, 8), ecap = platform.Mmio.Read(u.MmioBase + VtdRegisters.Ecap, 8);
            if (!VtdRegisters.QueuedInvalidation(ecap)) throw new InvalidOperationException($"unit {u.Id} has no queued invalidation (ECAP.QI = 0)");
            if ((VtdRegisters.Sagaw(cap) & 0b0100) == 0) throw new InvalidOperationException($"unit {u.Id} does not support 4-level tables (CAP.SAGAW bit 2)");
            var queue = NewZeroedPage("vtd:tables") ?? throw new InvalidOperationException("no memory for the invalidation queue");
            var unit = new Unit(u.MmioBase, cap, ecap, queue);
            _units.Add(unit);
            mgaw = Math.Min(mgaw, VtdRegisters.Mgaw(cap));
            mamv = Math.Min(mamv, VtdRegisters.Psi(cap) ? VtdRegisters.Mamv(cap) : -1);
            domains = Math.Min(domains, VtdRegisters.DomainCount(cap));
            ir &= VtdRegisters.InterruptRemapping(ecap);
        }
        AddressWidth = Math.Min(mgaw, 48);
        MaxAddressMask = mamv;
        DomainCount = domains;
        InterruptRemapping = ir;
        foreach (var unit in _units) BringUp(unit);
    }

    /// <summary>Every unit reports interrupt remapping (ECAP.IR); otherwise MSIs go out in compatibility format.</summary>
    public bool InterruptRemapping { get; }
    public bool AllowUnsafeInterrupts { get; }
    /// <summary>The IOVA width of the 4-level domains: min(CAP.MGAW, 48).</summary>
    public int AddressWidth { get; }
    /// <summary>CAP.MAMV, or -1 without page-selective invalidation (then unmap flushes the domain).</summary>
    public int MaxAddressMask { get; }
    public int DomainCount { get; }
    public ulong RootTable { get; }
    public ulong Irt { get; }

    private ulong? NewZeroedPage(string owner)
    {
        var p = Platform.Pages.Allocate(owner);
        if (p is { } a) ZeroPage(a);
        return p;
    }

    /// <summary>Writes a table qword. The adapter writes only pages it allocated, so a failed write is a bug.</summary>
    internal void Store(ulong address, ulong value)
    {
        if (!Platform.Memory.TryWriteLe(address, 8, value)) throw new InvalidOperationException($"host memory at 0x{address:x} is not backed");
    }

    internal void ZeroPage(ulong page)
    {
        if (!Platform.Memory.TryWrite(page, new byte[Page])) throw new InvalidOperationException($"host page 0x{page:x} is not backed");
    }

    /// <summary>A register read; all-ones means the unit is gone (master abort), which no driver can recover from here.</summary>
    private uint Read32(Unit u, ulong offset)
    {
        uint v = (uint)Platform.Mmio.Read(u.Registers + offset, 4);
        if (v == 0xFFFF_FFFF) throw new InvalidOperationException($"VT-d unit at 0x{u.Registers:x} reads all-ones at 0x{offset:x}");
        return v;
    }

    // ---- bring-up (§10.4.4-§10.4.6, §6.5.2, §10.4.29) --------------------------------------------

    private void BringUp(Unit u)
    {
        Platform.Mmio.Write(u.Registers + VtdRegisters.Rtaddr, 8, RootTable); // TTM 00: legacy mode
        Command(u, VtdRegisters.Srtp, VtdRegisters.Srtp, set: true, oneShot: true);
        Platform.Mmio.Write(u.Registers + VtdRegisters.Iqt, 8, 0);
        Platform.Mmio.Write(u.Registers + VtdRegisters.Iqa, 8, u.Queue); // QS = 0, DW = 0 (128-bit descriptors)
        Command(u, VtdRegisters.Qie, VtdRegisters.Qie, set: true);
        Submit(u, [VtdDescriptors.ContextCache(1), VtdDescriptors.Iotlb(1)]);
        if (VtdRegisters.InterruptRemapping(u.Ecap))
        {
            Platform.Mmio.Write(u.Registers + VtdRegisters.Irta, 8, Irt | 7); // S = 7, EIME = 0 (xAPIC)
            Command(u, VtdRegisters.Sirtp, VtdRegisters.Sirtp, set: true, oneShot: true);
            Submit(u, [VtdDescriptors.InterruptEntryCache(global: true)]);
            // CFI stays clear: compatibility-format interrupts are blocked (0x25), so nothing bypasses the IRTEs.
            Command(u, VtdRegisters.Ire, VtdRegisters.Ire, set: true);
        }
        Command(u, VtdRegisters.Te, VtdRegisters.Te, set: true);
    }

    /// <summary>§10.4.4: one command per GCMD write, keeping the enabled state; polls GSTS for the result.</summary>
    private void Command(Unit u, uint command, uint statusBit, bool set, bool oneShot = false)
    {
        uint status = Read32(u, VtdRegisters.Gsts) & VtdRegisters.OneShotMask;
        uint value = set ? status | command : status & ~command;
        Platform.Mmio.Write(u.Registers + VtdRegisters.Gcmd, 4, value);
        for (int i = 0; i < PollLimit; i++)
        {
            bool on = (Read32(u, VtdRegisters.Gsts) & statusBit) != 0;
            if (on == set) return;
            Platform.Relax();
        }
        if (!oneShot || set) throw new InvalidOperationException($"VT-d unit at 0x{u.Registers:x}: GSTS did not show command 0x{command:x8}");
    }

    // ---- queued invalidation (§6.5.2) -----------------------------------------------------------

    /// <summary>Queues <paramref name="descriptors"/> and a wait descriptor on every unit, and polls (Relax) until each
    /// unit has written the wait's status: when this returns the invalidations have completed. False on a queue error.</summary>
    internal bool Invalidate(IReadOnlyList<(ulong Lo, ulong Hi)> descriptors)
    {
        bool ok = true;
        foreach (var u in _units) ok &= Submit(u, descriptors);
        return ok;
    }

    private bool Submit(Unit u, IReadOnlyList<(ulong Lo, ulong Hi)> descriptors)
    {
        // The queue is empty whenever Submit starts (each call waits for its own completion); batches beyond the
        // queue are split.
        for (int start = 0; start < descriptors.Count || start == 0; start += QueueSlots - 2)
        {
            uint token = ++_sequence;
            if (!Platform.Memory.TryWriteLe(_status, 4, 0)) throw new InvalidOperationException("the wait status page is not backed");
            foreach (var d in descriptors.Skip(start).Take(QueueSlots - 2)) Put(u, d);
            Put(u, VtdDescriptors.Wait(token, _status));
            Platform.Mmio.Write(u.Registers + VtdRegisters.Iqt, 8, (ulong)u.Tail << 4);
            bool done = false;
            for (int i = 0; i < PollLimit && !done; i++)
            {
                done = Platform.Memory.TryReadLe(_status, 4, out ulong s) && s == token;
                if (!done) Platform.Relax(QueueSlots);
            }
            if (!done) return false;
            if (start + QueueSlots - 2 >= descriptors.Count) break;
        }
        return (Read32(u, VtdRegisters.Fsts) & (1u << 4)) == 0; // FSTS.IQE
    }

    private void Put(Unit u, (ulong Lo, ulong Hi) d)
    {
        ulong slot = u.Queue + (ulong)u.Tail * 16;
        Store(slot, d.Lo);
        Store(slot + 8, d.Hi);
        u.Tail = (u.Tail + 1) % QueueSlots;
    }

    // ---- domains, context entries (§9.1, §9.3) --------------------------------------------------

    /// <summary>A fresh domain ID, never one another live domain holds (DID 0 is left unused, as Linux does).</summary>
    protected internal virtual ushort? AllocateDomainId()
    {
        for (int d = 1; d < DomainCount; d++)
        {
            if (_dids.Add((ushort)d)) return (ushort)d;
        }
        return null;
    }

    protected internal virtual void FreeDomainId(ushort did) => _dids.Remove(did);

    /// <summary>The functions whose requests the domain must translate: every member of the group. (Broken variants override.)</summary>
    protected internal virtual IEnumerable<Bdf> DomainMembers(IsolationGroup group) => group.Devices;

    /// <summary>
    /// The requester IDs whose context entries must point at the domain for <paramref name="device"/> to be in it:
    /// every DMA alias the platform reports (Linux intel-iommu <c>domain_context_mapping</c> maps each one through
    /// <c>pci_for_each_dma_alias</c>; behind a PCIe-to-PCI bridge the DMA arrives as the bridge's alias). Taken from
    /// the platform facts, never derived from the topology here. (Broken variants override.)
    /// </summary>
    protected internal virtual IEnumerable<Bdf> ContextRequesters(Bdf device) => Platform.Facts.DmaAliasesOf(device);

    /// <summary>The IRTE's upper qword (§9.10): SID, SQ = 0 (all 16 bits compared), SVT = 1 (verify the SID). The SID
    /// is the requester ID the function's MSIs carry at the root complex (the platform's outermost DMA alias; Linux
    /// <c>set_msi_sid</c> verifies the alias too, there as a bus range, SVT = 2, when the alias is on another bus).</summary>
    protected internal virtual ulong SourceValidation(Bdf device) =>
        (Platform.Facts.Device(device)?.WireRequester ?? device).RequesterId | (0UL << 16) | (1UL << 18);

    private ulong? ContextTable(int bus, bool create)
    {
        if (_contextTables.TryGetValue(bus, out var t)) return t;
        if (!create) return null;
        var table = NewZeroedPage("vtd:tables");
        if (table is null) return null;
        _contextTables[bus] = table.Value;
        Store(RootTable + (ulong)bus * 16 + 8, 0);
        Store(RootTable + (ulong)bus * 16, table.Value | 1); // §9.1: CTP, P
        return table;
    }

    /// <summary>Points <paramref name="device"/>'s context entry at a domain (or clears it) and invalidates the
    /// context cache for the device and the domain's IOTLB (§6.5.3.3 "Context-entry programming").</summary>
    internal bool SetContext(Bdf device, ulong? slptptr, ushort did)
    {
        var table = ContextTable(device.Bus, create: slptptr is not null);
        if (table is null) return slptptr is null;
        ulong entry = table.Value + (ulong)device.DevFn * 16;
        if (slptptr is { } root)
        {
            // §9.3: hi AW = 2 (48-bit, 4-level), DID; lo P, FPD = 0, TT = 00 (untranslated requests only), SLPTPTR.
            Store(entry + 8, 2UL | ((ulong)did << 8));
            Store(entry, root | 1);
        }
        else
        {
            Store(entry, 0);
            Store(entry + 8, 0);
        }
        bool ok = Invalidate([VtdDescriptors.ContextCache(3, did, device.RequesterId), VtdDescriptors.Iotlb(2, did)]);
        if (slptptr is null) ok &= ReleaseContextTable(device.Bus, table.Value);
        return ok;
    }

    /// <summary>Frees a bus's context table once none of its entries is present: the root entry is cleared first and
    /// the context cache invalidated globally (§6.5.3.3: root-entry changes need a global context invalidation).</summary>
    private bool ReleaseContextTable(int bus, ulong table)
    {
        for (ulong i = 0; i < 256; i++)
        {
            if (!Platform.Memory.TryReadLe(table + i * 16, 8, out ulong lo) || (lo & 1) != 0) return true;
        }
        Store(RootTable + (ulong)bus * 16, 0);
        bool ok = Invalidate([VtdDescriptors.ContextCache(1), VtdDescriptors.Iotlb(1)]);
        _contextTables.Remove(bus);
        Platform.Pages.Free(table);
        return ok;
    }

    // ---- interrupt remapping table (§9.10) ------------------------------------------------------

    internal int? AllocateIrte()
    {
        for (int i = 0; i < IrteCount; i++) if (!_irtes[i]) { _irtes[i] = true; return i; }
        return null;
    }

    /// <summary>Writes IRTE <paramref name="index"/> (upper qword first, present bit last) and invalidates its IEC entry.</summary>
    internal bool WriteIrte(int index, ulong lo, ulong hi)
    {
        ulong e = Irt + (ulong)index * 16;
        Store(e, lo & ~1UL);
        Store(e + 8, hi);
        Store(e, lo);
        return Invalidate([VtdDescriptors.InterruptEntryCache(global: false, (ushort)index)]);
    }

    internal void FreeIrte(int index)
    {
        WriteIrte(index, 0, 0);
        _irtes[index] = false;
    }

    protected override GuestBase NewGuest(GuestConfig config) => new VtdGuest(this, config);
}
