using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.AmdVi;

/// <summary>
/// The host side of the AMD IOMMU driver (Linux drivers/iommu/amd under VFIO): one device table shared by every
/// unit (one per PCI segment, as Linux), each unit's command buffer and event log, protection-domain IDs, DTE
/// programming, per-requester interrupt remapping tables, and invalidation commands each followed by a
/// COMPLETION_WAIT whose store the driver polls (iommu_completion_wait).
/// </summary>
public class AmdViAdapter : HostAdapterBase
{
    private const ulong Page = HostPageAllocator.PageSize;
    /// <summary>The device table covers every DeviceID (Size = 511: 512 pages, 65536 entries of 32 bytes).</summary>
    internal const int DeviceTablePages = 512;
    private const int CommandSlots = 256;
    private const int PollLimit = 1024;

    private readonly List<Unit> _units = [];
    private readonly HashSet<ushort> _domainIds = [];
    private readonly Dictionary<Bdf, InterruptTable> _interruptTables = new();
    private readonly ulong _completion;
    private ulong _sequence;

    /// <summary>One IOMMU: its register aperture, command buffer (with the software tail) and event log.</summary>
    private sealed class Unit(ulong registers, ulong efr, ulong commands, ulong events)
    {
        public ulong Registers { get; } = registers;
        public ulong Efr { get; } = efr;
        public ulong Commands { get; } = commands;
        public ulong Events { get; } = events;
        public int Tail { get; set; }
    }

    /// <summary>A device's interrupt remapping table (Linux struct irq_remap_table): 512 32-bit IRTEs in one page.</summary>
    internal sealed class InterruptTable(ulong address)
    {
        public ulong Address { get; } = address;
        public bool[] Used { get; } = new bool[AmdViDte.IrteCount];
    }

    public AmdViAdapter(IPlatformAccess platform, AdapterCapabilities capabilities) : base(platform, capabilities)
    {
        var units = platform.Facts.Units.Where(u => u.Kind == "amd-vi").ToList();
        if (units.Count == 0) throw new InvalidOperationException("no amd-vi unit in the platform facts");
        DeviceTable = platform.Pages.AllocateContiguous("amdvi:tables", DeviceTablePages) ?? throw new InvalidOperationException("no memory for the device table");
        _completion = NewZeroedPage() ?? throw new InvalidOperationException("no memory for the completion-wait store");
        InitDeviceTable();
        int levels = int.MaxValue;
        foreach (var u in units)
        {
            ulong efr = platform.Mmio.Read(u.MmioBase + AmdViRegisters.ExtendedFeature, 8);
            if (efr == ulong.MaxValue) throw new InvalidOperationException($"AMD-Vi unit {u.Id} reads all-ones");
            levels = Math.Min(levels, AmdViRegisters.HostLevels(efr));
            var commands = NewZeroedPage() ?? throw new InvalidOperationException("no memory for the command buffer");
            var events = NewZeroedPage() ?? throw new InvalidOperationException("no memory for the event log");
            _units.Add(new Unit(u.MmioBase, efr, commands, events));
        }
        // v1 tables with 4 levels (48-bit IOVAs, Linux PAGE_MODE_4_LEVEL); every unit supports at least 4 (HATS >= 0).
        Levels = Math.Min(levels, 4);
        foreach (var unit in _units) BringUp(unit);
    }

    /// <summary>Every unit reports EFR.GTSup: nested (two-level) DMA is offered (Linux amd_iommu_gt_ppr_supported / nested.c).</summary>
    public bool GuestTranslation => _units.All(u => AmdViRegisters.GuestTranslation(u.Efr));

    /// <summary>Levels of the domains' v1 page tables (DTE Mode).</summary>
    public int Levels { get; }
    /// <summary>IOVA width of the domains: 12 + 9 x levels.</summary>
    public int AddressWidth => 12 + 9 * Levels;
    public ulong DeviceTable { get; }

    private ulong? NewZeroedPage(string owner = "amdvi:tables")
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

    internal void Store32(ulong address, uint value)
    {
        if (!Platform.Memory.TryWriteLe(address, 4, value)) throw new InvalidOperationException($"host memory at 0x{address:x} is not backed");
    }

    internal ulong Load(ulong address) =>
        Platform.Memory.TryReadLe(address, 8, out ulong v) ? v : throw new InvalidOperationException($"host memory at 0x{address:x} is not backed");

    internal void ZeroPage(ulong page)
    {
        if (!Platform.Memory.TryWrite(page, new byte[Page])) throw new InvalidOperationException($"host page 0x{page:x} is not backed");
    }

    /// <summary>
    /// Every DTE starts blocking (Linux amd_iommu_init_device_table / clear_dte_entry: V = 1, TV = 1, Mode 0, no IR/IW):
    /// a device no owner attached has no DMA. IV = 1 with IntCtl = 0: its MSIs are target-aborted rather than passed
    /// through unremapped (a device gets a table when attached).
    /// </summary>
    private void InitDeviceTable()
    {
        var page = new byte[Page];
        for (int i = 0; i < (int)Page; i += AmdViDte.Size)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(i), AmdViDte.Blocked);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(i + 16), AmdViDte.InterruptsAborted);
        }
        for (ulong p = 0; p < DeviceTablePages; p++)
        {
            if (!Platform.Memory.TryWrite(DeviceTable + p * Page, page)) throw new InvalidOperationException("the device table is not backed");
        }
    }

    // ---- bring-up (Linux iommu_init_flags, iommu_enable_command_buffer, iommu_enable_event_buffer) --------------

    private void BringUp(Unit u)
    {
        Platform.Mmio.Write(u.Registers + AmdViRegisters.Control, 8, 0); // ring bases are ignored while a ring runs
        Platform.Mmio.Write(u.Registers + AmdViRegisters.DeviceTableBase, 8, DeviceTable | (DeviceTablePages - 1));
        Platform.Mmio.Write(u.Registers + AmdViRegisters.CommandBufferBase, 8, u.Commands | AmdViRegisters.RingLength256);
        Platform.Mmio.Write(u.Registers + AmdViRegisters.EventLogBase, 8, u.Events | AmdViRegisters.RingLength256);
        Platform.Mmio.Write(u.Registers + AmdViRegisters.CommandHead, 8, 0);
        Platform.Mmio.Write(u.Registers + AmdViRegisters.CommandTail, 8, 0);
        Platform.Mmio.Write(u.Registers + AmdViRegisters.EventHead, 8, 0);
        Platform.Mmio.Write(u.Registers + AmdViRegisters.EventTail, 8, 0);
        u.Tail = 0;
        Platform.Mmio.Write(u.Registers + AmdViRegisters.Control, 8,
            AmdViRegisters.IommuEnable | AmdViRegisters.EventLogEnable | AmdViRegisters.CommandBufferEnable
            // iommu_enable_gt: Control.GTEn where EFR.GTSup, so DTEs with GV = 1 translate through the guest tables.
            | (AmdViRegisters.GuestTranslation(u.Efr) ? AmdViRegisters.GuestTranslationEnable : 0));
        // amd_iommu_flush_all_caches: INVALIDATE_IOMMU_ALL where EFR.IASup; otherwise the caches are empty after reset.
        if (AmdViRegisters.InvalidateAll(u.Efr) && !Submit(u, [AmdViCommands.InvalidateAll()]))
            throw new InvalidOperationException($"AMD-Vi unit at 0x{u.Registers:x}: INVALIDATE_IOMMU_ALL did not complete");
    }

    // ---- command buffer (§2.4, §3.4.9) -----------------------------------------------------------

    /// <summary>Queues <paramref name="commands"/> and a COMPLETION_WAIT on every unit and polls (Relax) until each unit
    /// stored the wait's data: when this returns true the invalidations have completed. False on a command error.</summary>
    internal bool Invalidate(IReadOnlyList<(ulong Q0, ulong Q1)> commands)
    {
        bool ok = true;
        foreach (var u in _units) ok &= Submit(u, commands);
        return ok;
    }

    private bool Submit(Unit u, IReadOnlyList<(ulong Q0, ulong Q1)> commands)
    {
        // The buffer is empty whenever Submit starts (each call waits for its own completion); batches beyond it are split.
        for (int start = 0; start < commands.Count || start == 0; start += CommandSlots - 2)
        {
            ulong token = ++_sequence;
            if (!Platform.Memory.TryWriteLe(_completion, 8, 0)) throw new InvalidOperationException("the completion-wait store is not backed");
            foreach (var c in commands.Skip(start).Take(CommandSlots - 2)) Put(u, c);
            Put(u, AmdViCommands.CompletionWait(_completion, token));
            Platform.Mmio.Write(u.Registers + AmdViRegisters.CommandTail, 8, (ulong)u.Tail << 4);
            bool done = false;
            for (int i = 0; i < PollLimit && !done; i++)
            {
                done = Platform.Memory.TryReadLe(_completion, 8, out ulong s) && s == token;
                if (!done)
                {
                    if ((Read64(u, AmdViRegisters.Status) & AmdViRegisters.CommandBufferRun) == 0) return false; // ILLEGAL_COMMAND / COMMAND_HARDWARE_ERROR
                    Platform.Relax(CommandSlots);
                }
            }
            if (!done) return false;
            if (start + CommandSlots - 2 >= commands.Count) break;
        }
        return true;
    }

    /// <summary>A register read; all-ones means the unit is gone (master abort), which no driver can recover from here.</summary>
    private ulong Read64(Unit u, ulong offset)
    {
        ulong v = Platform.Mmio.Read(u.Registers + offset, 8);
        if (v == ulong.MaxValue) throw new InvalidOperationException($"AMD-Vi unit at 0x{u.Registers:x} reads all-ones at 0x{offset:x}");
        return v;
    }

    private void Put(Unit u, (ulong Q0, ulong Q1) c)
    {
        ulong slot = u.Commands + (ulong)u.Tail * 16;
        Store(slot, c.Q0);
        Store(slot + 8, c.Q1);
        u.Tail = (u.Tail + 1) % CommandSlots;
    }

    // ---- protection domains and DTEs (Linux pdom_id_alloc, set_dte_entry, clear_dte_entry) --------------

    /// <summary>A fresh domain ID, never one another live domain holds (ID 0 is left unused, as Linux does).</summary>
    protected internal virtual ushort? AllocateDomainId()
    {
        for (int d = 1; d <= ushort.MaxValue; d++)
        {
            if (_domainIds.Add((ushort)d)) return (ushort)d;
        }
        return null;
    }

    protected internal virtual void FreeDomainId(ushort domainId) => _domainIds.Remove(domainId);

    /// <summary>The requester IDs whose DTEs must point at the domain for <paramref name="device"/> to be in it: every
    /// DMA alias the platform reports (Linux amd_iommu set_dte_entry for each alias via pci_for_each_dma_alias /
    /// the IVRS alias table). Taken from the platform facts. (Broken variants override.)</summary>
    protected internal virtual IEnumerable<Bdf> DteRequesters(Bdf device) => Platform.Facts.DmaAliasesOf(device);

    private ulong DteAddress(Bdf rid) => DeviceTable + (ulong)rid.RequesterId * AmdViDte.Size;

    /// <summary>The DTE of <paramref name="rid"/> (four qwords), as this driver last wrote it.</summary>
    public (ulong Q0, ulong Q1, ulong Q2, ulong Q3) ReadDte(Bdf rid)
    {
        ulong e = DteAddress(rid);
        return (Load(e), Load(e + 8), Load(e + 16), Load(e + 24));
    }

    /// <summary>
    /// Points the translation half of <paramref name="rid"/>'s DTE at a domain (root, domain ID) or makes it blocking
    /// (null root), then INVALIDATE_DEVTAB_ENTRY, and for a change away from a domain INVALIDATE_IOMMU_PAGES of that
    /// domain (Linux amd_iommu_dev_flush / domain_flush_complete), each batch ended by COMPLETION_WAIT.
    /// </summary>
    internal bool SetTranslation(Bdf rid, ulong? root, ushort domainId)
    {
        ulong e = DteAddress(rid);
        ulong oldQ0 = Load(e);
        ushort oldDomain = (ushort)Load(e + 8);
        if (root is { } r)
        {
            Store(e + 8, domainId);
            Store(e, AmdViDte.Translating(r, Levels));
        }
        else
        {
            Store(e, AmdViDte.Blocked);
            Store(e + 8, 0);
        }
        var commands = new List<(ulong, ulong)> { AmdViCommands.InvalidateDte(rid.RequesterId) };
        if ((oldQ0 & AmdViDte.Tv) != 0 && oldDomain != 0 && (root is null || oldDomain != domainId)) commands.Add(AmdViCommands.InvalidateDomain(oldDomain));
        return Invalidate(commands);
    }

    /// <summary>
    /// Makes <paramref name="rid"/>'s DTE nested (Linux drivers/iommu/amd/nested.c amd_iommu_alloc_domain_nested +
    /// iommu.c set_dte_gcr3_table): GV = 1, GIoV = 1, GLX = 0, the guest's GCR3 table root (guest physical), the owner's
    /// v1 table as the second level, <paramref name="domainId"/> (the nested domain's host domain ID, which tags the guest
    /// IOTLB entries); then INVALIDATE_DEVTAB_ENTRY and a flush of both the old and the new domain's guest and host
    /// translations (amd_iommu_dev_flush, amd_iommu_flush_gcr3 / domain_flush_pages with PASID 0), ended by COMPLETION_WAIT.
    /// </summary>
    internal bool SetNestedTranslation(Bdf rid, ulong hostRoot, ulong gcr3Root, ushort domainId)
    {
        ulong e = DteAddress(rid);
        ulong oldQ0 = Load(e);
        ushort oldDomain = (ushort)Load(e + 8);
        var (q0, q1) = AmdViDte.Nested(hostRoot, Levels, gcr3Root, domainId);
        Store(e + 8, q1);
        Store(e, q0);
        var commands = new List<(ulong, ulong)> { AmdViCommands.InvalidateDte(rid.RequesterId) };
        if ((oldQ0 & AmdViDte.Tv) != 0 && oldDomain != 0 && oldDomain != domainId) commands.Add(AmdViCommands.InvalidateDomain(oldDomain));
        commands.Add(AmdViCommands.InvalidateDomain(domainId));
        commands.Add(AmdViCommands.InvalidateGuestPages(domainId, 0, 0, 0));
        return Invalidate(commands);
    }

    // ---- interrupt remapping tables (§2.2.5; Linux alloc_irq_table, modify_irte, set_dte_irq_entry) -----------

    /// <summary>The interrupt remapping table MSIs of <paramref name="device"/> go through: the table of the requester ID
    /// its messages carry at the IOMMU (its outermost DMA alias; Linux shares one table among a device's aliases),
    /// created on first use and pointed at by the DTE of every DMA alias.</summary>
    internal InterruptTable? TableFor(DeviceFacts device)
    {
        var key = InterruptTableKey(device);
        if (!_interruptTables.TryGetValue(key, out var t))
        {
            var page = NewZeroedPage();
            if (page is null) return null;
            t = new InterruptTable(page.Value);
            _interruptTables[key] = t;
        }
        // Every DTE the device's MSIs can arrive through points at the table (set_dte_irq_entry for the device and its aliases).
        foreach (var rid in DteRequesters(device.Bdf).Append(device.WireRequester).Distinct())
        {
            ulong q2 = DteAddress(rid) + 16;
            if (Load(q2) == AmdViDte.Remapped(t.Address)) continue;
            Store(q2, AmdViDte.Remapped(t.Address));
            if (!Invalidate([AmdViCommands.InvalidateDte(rid.RequesterId), AmdViCommands.InvalidateInterruptTable(rid.RequesterId)])) return null;
        }
        return t;
    }

    /// <summary>Which table <paramref name="device"/>'s MSIs use: the one of the requester ID they carry at the IOMMU
    /// (<see cref="DeviceFacts.WireRequester"/>), from the platform facts. (Broken variants override.)</summary>
    protected internal virtual Bdf InterruptTableKey(DeviceFacts device) => device.WireRequester;

    /// <summary>Writes IRTE <paramref name="index"/> of <paramref name="device"/>'s table and flushes the interrupt table
    /// cache of every requester ID using it (iommu_flush_irt_and_complete).</summary>
    internal bool WriteIrte(DeviceFacts device, InterruptTable table, int index, uint irte)
    {
        Store32(table.Address + (ulong)index * 4, irte);
        var rids = DteRequesters(device.Bdf).Append(device.WireRequester).Distinct();
        return Invalidate(rids.Select(r => AmdViCommands.InvalidateInterruptTable(r.RequesterId)).ToList());
    }

    /// <summary>Takes every route of the group's devices down: each table's IRTEs are cleared, its DTEs go back to
    /// target-aborting interrupts, the caches are flushed, and the table is freed.</summary>
    internal bool DropInterruptTables(IsolationGroup group)
    {
        bool ok = true;
        foreach (var device in group.Devices.Select(Platform.Facts.Device).OfType<DeviceFacts>())
        {
            var wire = InterruptTableKey(device);
            var rids = DteRequesters(device.Bdf).Append(device.WireRequester).Distinct().ToList();
            foreach (var rid in rids) Store(DteAddress(rid) + 16, AmdViDte.InterruptsAborted);
            ok &= Invalidate(rids.SelectMany(r => new[] { AmdViCommands.InvalidateDte(r.RequesterId), AmdViCommands.InvalidateInterruptTable(r.RequesterId) }).ToList());
            // Only once no DTE or cached entry refers to the table may its page go back.
            if (_interruptTables.TryGetValue(wire, out var t))
            {
                ZeroPage(t.Address);
                _interruptTables.Remove(wire);
                Platform.Pages.Free(t.Address);
            }
        }
        return ok;
    }

    protected override GuestBase NewGuest(GuestConfig config) => new AmdViGuest(this, config);
}
