using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.AmdVi;

/// <summary>
/// One owner = one AMD-Vi protection domain: a domain ID and a v1 (host) page table (§2.2.3) holding all guest
/// memory 1:1 (identity face) plus host-face maps; the DTEs of every DMA alias of every function of its groups
/// point at it; an IRTE per routed MSI-X vector in the device's interrupt remapping table. Map and unmap follow
/// VFIO type1 v2; unmap returns only after INVALIDATE_IOMMU_PAGES and COMPLETION_WAIT have completed.
/// </summary>
public class AmdViGuest : GuestBase, IFullSpaceDma, IIdentityFace, INestedDma
{
    /// <summary>The first-level format this adapter offers: the guest's one-level GCR3 table (GLX = 0) whose PASID-0
    /// entry holds the guest CR3 of an x86-64 4-level page table (AMD IOMMU spec §2.2.6, v2 page tables).</summary>
    public const string AmdV2 = "amd-v2";

    private const ulong Page = HostPageAllocator.PageSize;
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000UL;
    private const ulong Present = 1, ReadRight = 1UL << 61, WriteRight = 1UL << 62;
    private const ulong InterruptWindow = 0xFEE0_0000, InterruptWindowEnd = 0xFEEF_FFFF;
    /// <summary>The HyperTransport reserved range Linux reports on AMD (HT_RANGE_START/END, amd_iommu_get_resv_regions).</summary>
    private const ulong HtStart = 0xFD_0000_0000, HtEnd = 0xFF_FFFF_FFFF;
    private readonly AmdViAdapter _host;
    private readonly List<ulong> _tables = [];
    private readonly SortedList<ulong, ulong> _mappings = new(); // IOVA -> size
    private readonly Dictionary<(Bdf, int), int> _irtes = new();
    private ulong _root;
    private ushort _domainId;
    /// <summary>Devices with a first level: their nested domain's host domain ID (Linux nested.c gDomID → hDomID).</summary>
    private readonly Dictionary<Bdf, ushort> _nested = new();

    /// <summary>The mapped ranges (IOVA -> size), for a subclass's own map/unmap (the broken variants).</summary>
    protected SortedList<ulong, ulong> Mappings => _mappings;

    public AmdViGuest(AmdViAdapter host, GuestConfig config) : base(host, config)
    {
        _host = host;
        ulong top = (1UL << host.AddressWidth) - 1;
        IovaRanges = [new(0, InterruptWindow - 1), new(InterruptWindowEnd + 1, HtStart - 1), new(HtEnd + 1, top)];
    }

    public override IGuestFace Face => this;
    public override IFullSpaceDma FullSpace => this;
    /// <summary>Nested DMA where every unit reports EFR.GTSup (capability <c>dma.nested</c>).</summary>
    public override INestedDma? Nested => _host.GuestTranslation ? this : null;
    public IReadOnlyList<string> FirstLevelFormats => _host.GuestTranslation ? [AmdV2] : [];

    /// <summary>The host domain ID tagging <paramref name="device"/>'s nested (guest) translations, if it has a first level.</summary>
    public ushort? NestedDomainId(Bdf device) => _nested.TryGetValue(device, out var d) ? d : null;
    public GuestFaceKind Kind => GuestFaceKind.Identity;
    public IReadOnlyList<ulong> PageSizes { get; } = [Page];
    public virtual IReadOnlyList<IovaRange> IovaRanges { get; }

    /// <summary>This protection domain's ID (DTE DomainID).</summary>
    public ushort DomainId => _domainId;

    /// <summary>The root of this domain's v1 page table (DTE Page Table Root Pointer).</summary>
    public ulong PageTableRoot => _root;

    private string TableOwner => $"amdvi:{Name}";

    protected override async ValueTask<Result> OnCreateAsync(CancellationToken ct)
    {
        if (_host.AllocateDomainId() is not { } did) return AdapterError.NoSpace("no free domain ID");
        _domainId = did;
        if (NewTable() is not { } root) return AdapterError.NoSpace("no memory for the page-table root");
        _root = root;
        return await MapAsync(0, 0, Config.MemorySize, DmaAccess.ReadWrite, ct).ConfigureAwait(false);
    }

    private ulong? NewTable()
    {
        var t = Platform.Pages.Allocate(TableOwner);
        if (t is null) return null;
        _host.ZeroPage(t.Value);
        _tables.Add(t.Value);
        return t;
    }

    /// <summary>§2.2.3: the level-1 PTE slot for <paramref name="iova"/>, creating directories on the way when asked.
    /// A PDE is PR, NextLevel = the level below, IR and IW (rights are AND-ed down the walk).</summary>
    protected ulong? Leaf(ulong iova, bool create)
    {
        ulong table = _root;
        for (int level = _host.Levels; level > 1; level--)
        {
            ulong slot = table + ((iova >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
            ulong e = _host.Load(slot);
            if ((e & Present) == 0)
            {
                if (!create) return null;
                if (NewTable() is not { } t) return null;
                e = t | Present | ((ulong)(level - 1) << 9) | ReadRight | WriteRight;
                _host.Store(slot, e);
            }
            table = e & AddressMask;
        }
        return table + ((iova >> 12) & 0x1ff) * 8;
    }


    public virtual ValueTask<Result> MapAsync(ulong iova, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Type1Mappings.CheckMap(_mappings, iova, guestPhysical, size, access, Page, Config.MemorySize, IovaRanges, "levels, MSI and HyperTransport windows") is { } refused) return new(refused);
        ulong rights = (access.HasFlag(DmaAccess.Read) ? ReadRight : 0) | (access.HasFlag(DmaAccess.Write) ? WriteRight : 0);
        for (ulong o = 0; o < size; o += Page)
        {
            if (Leaf(iova + o, create: true) is not { } leaf)
            {
                ClearLeaves(iova, o);
                InvalidateRanges([(iova, o)]);
                return new(AdapterError.NoSpace("no memory for page tables"));
            }
            ulong frame = FrameOf(guestPhysical + o)!.Value;
            _host.Store(leaf, frame | rights | Present); // NextLevel 0: a 4 KiB page at level 1
        }
        _mappings.Add(iova, size);
        return new(Result.Ok);
    }

    public virtual ValueTask<Result<ulong>> UnmapAsync(ulong iova, ulong size, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Type1Mappings.SelectUnmap(_mappings, iova, size, Page, out var hit) is { } refused) return new(refused);
        ulong unmapped = 0;
        var flush = new List<(ulong, ulong)>();
        foreach (var m in hit)
        {
            ClearLeaves(m.Key, m.Value);
            _mappings.Remove(m.Key);
            unmapped += m.Value;
            flush.Add((m.Key, m.Value));
        }
        if (flush.Count > 0 && !InvalidateRanges(flush))
            return new(new AdapterError(AdapterErrorKind.Io, "the IOTLB invalidation did not complete"));
        return new(unmapped);
    }

    /// <summary>
    /// iommufd IOMMU_HWPT_ALLOC of a nested domain on AMD (Linux drivers/iommu/amd/nested.c): the guest gives the
    /// guest-physical root of its GCR3 table (format <see cref="AmdV2"/>: GLX = 0, 4-level guest tables), the host keeps
    /// this owner's v1 table as the second level and gives the device a nested domain ID of its own (the guest IOTLB is
    /// tagged by DomainID and PASID, so two devices with different first levels must not share one). NotFound: the device
    /// is not this owner's; NotSupported: a format not offered (EOPNOTSUPP for an unknown data type); Invalid: a root not
    /// 4 KiB aligned or not inside the owner's RAM. A refused call changes nothing.
    /// </summary>
    public virtual ValueTask<Result> SetFirstLevelAsync(Bdf device, string format, ulong guestTableRoot, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Owns(device)) return new(AdapterError.NotFound($"{device} is not owned by {Name}"));
        if (!FirstLevelFormats.Contains(format)) return new(AdapterError.NotSupported($"first-level format \"{format}\" is not offered"));
        if ((guestTableRoot & (Page - 1)) != 0) return new(AdapterError.Invalid($"GCR3 table root 0x{guestTableRoot:x} is not 4 KiB aligned"));
        if (guestTableRoot >= Config.MemorySize || FrameOf(guestTableRoot) is null)
            return new(AdapterError.Invalid($"GCR3 table root 0x{guestTableRoot:x} is not in {Name}'s RAM"));
        if (!_nested.TryGetValue(device, out ushort did))
        {
            if (_host.AllocateDomainId() is not { } fresh) return new(AdapterError.NoSpace("no free domain ID for the nested domain"));
            did = fresh;
            _nested[device] = did;
        }
        foreach (var rid in _host.DteRequesters(device).Distinct())
        {
            if (!_host.SetNestedTranslation(rid, _root, guestTableRoot, did))
                return new(new AdapterError(AdapterErrorKind.Io, $"the DTE invalidation for {rid} did not complete"));
        }
        return new(Result.Ok);
    }

    /// <summary>
    /// The guest's first-level invalidation (iommufd IOMMU_HWPT_INVALIDATE on a nested AMD domain, Linux nested.c /
    /// amd_iommu_flush_pages with PASID 0): INVALIDATE_IOMMU_PAGES with GN = 1, PASID 0 and the range (S = 1 for a
    /// naturally aligned power-of-two block; all pages when size is 0), then COMPLETION_WAIT before returning.
    /// </summary>
    public virtual ValueTask<Result> InvalidateFirstLevelAsync(Bdf device, ulong iova, ulong size, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Owns(device)) return new(AdapterError.NotFound($"{device} is not owned by {Name}"));
        if (!_nested.TryGetValue(device, out ushort did)) return new(AdapterError.Invalid($"{device} has no first level"));
        if (size != 0 && iova + size - 1 < iova) return new(AdapterError.Overflow("range wraps"));
        if (!_host.Invalidate([AmdViCommands.InvalidateGuestPages(did, 0, iova, size)]))
            return new(new AdapterError(AdapterErrorKind.Io, "the guest IOTLB invalidation did not complete"));
        return new(Result.Ok);
    }

    private void ClearLeaves(ulong iova, ulong size)
    {
        for (ulong o = 0; o < size; o += Page)
        {
            if (Leaf(iova + o, create: false) is { } leaf) _host.Store(leaf, 0);
        }
    }

    /// <summary>Linux amd_iommu_domain_flush_pages: one INVALIDATE_IOMMU_PAGES per range (S = 1 covering a naturally
    /// aligned power-of-two block), the whole domain when there are more than 16 ranges; then COMPLETION_WAIT.</summary>
    private bool InvalidateRanges(IReadOnlyList<(ulong Iova, ulong Size)> ranges)
    {
        // Nested domains over this table cached guest translations through its pages: they are flushed too (GN = 0
        // drops the guest IOTLB entries that went through a guest physical page in the range).
        var domains = _nested.Values.Prepend(_domainId).Distinct().ToList();
        var commands = ranges.Where(r => r.Size > 0).SelectMany(r => domains.Select(d => AmdViCommands.InvalidatePages(d, r.Iova, r.Size))).ToList();
        if (commands.Count == 0) return true;
        if (commands.Count > 16 * domains.Count) commands = domains.Select(AmdViCommands.InvalidateDomain).ToList();
        return _host.Invalidate(commands);
    }

    protected override ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct)
    {
        // Every requester ID of every member: its own and its DMA aliases, each once.
        foreach (var rid in group.Devices.SelectMany(_host.DteRequesters).Distinct())
        {
            if (!_host.SetTranslation(rid, _root, _domainId)) return new(new AdapterError(AdapterErrorKind.Io, $"the DTE invalidation for {rid} did not complete"));
        }
        return new(Result.Ok);
    }

    protected override ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct)
    {
        bool ok = true;
        // Blocked DTEs (clear_dte_entry) for every requester ID attach programmed; the domain's IOTLB entries are flushed.
        foreach (var rid in group.Devices.SelectMany(_host.DteRequesters).Distinct()) ok &= _host.SetTranslation(rid, null, _domainId);
        foreach (var d in group.Devices.Where(_nested.ContainsKey).ToList())
        {
            _host.FreeDomainId(_nested[d]);
            _nested.Remove(d);
        }
        foreach (var key in _irtes.Keys.Where(k => group.Devices.Contains(k.Item1)).ToList()) _irtes.Remove(key);
        ok &= _host.DropInterruptTables(group);
        return new(ok ? Result.Ok : new AdapterError(AdapterErrorKind.Io, "an invalidation did not complete"));
    }

    /// <summary>
    /// §2.2.5: a 32-bit IRTE (RemapEn, IntType 0 fixed, DM 0 physical, Destination = the vCPU's APIC ID, Vector) in the
    /// device's table, then the remappable message Linux writes (address 0xFEE0_0000, data = the IRTE index) into the
    /// device's MSI-X entry.
    /// </summary>
    protected override ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct)
    {
        if (_host.TableFor(device) is not { } table) return new(new AdapterError(AdapterErrorKind.Io, "no interrupt remapping table (memory or invalidation)"));
        if (!_irtes.TryGetValue((device.Bdf, index), out int irte))
        {
            int free = Array.IndexOf(table.Used, false);
            if (free < 0) return new(AdapterError.NoSpace("no free interrupt remapping entries"));
            table.Used[free] = true;
            _irtes[(device.Bdf, index)] = irte = free;
        }
        uint entry = 1u | ((uint)(target.Vcpu & 0xff) << 8) | ((uint)target.Vector << 16);
        if (!_host.WriteIrte(device, table, irte, entry)) return new(new AdapterError(AdapterErrorKind.Io, "the interrupt table invalidation did not complete"));
        WriteMsixEntry(device, index, 0xFEE0_0000UL, (uint)irte, masked: false);
        return new(Result.Ok);
    }

    protected override ValueTask<Result> OnDisableAsync(DeviceFacts device, int index, CancellationToken ct)
    {
        WriteMsixEntry(device, index, 0, 0, masked: true);
        if (_irtes.Remove((device.Bdf, index), out int irte) && _host.TableFor(device) is { } table)
        {
            table.Used[irte] = false;
            if (!_host.WriteIrte(device, table, irte, 0)) return new(new AdapterError(AdapterErrorKind.Io, "the interrupt table invalidation did not complete"));
        }
        return new(Result.Ok);
    }

    protected override ValueTask OnDestroyAsync(CancellationToken ct)
    {
        if (_domainId != 0)
        {
            _host.Invalidate([AmdViCommands.InvalidateDomain(_domainId)]);
            _host.FreeDomainId(_domainId);
        }
        foreach (var d in _nested.Values)
        {
            _host.Invalidate([AmdViCommands.InvalidateDomain(d)]);
            _host.FreeDomainId(d);
        }
        _nested.Clear();
        foreach (var t in _tables) Platform.Pages.Free(t);
        _tables.Clear();
        _mappings.Clear();
        return ValueTask.CompletedTask;
    }
}
