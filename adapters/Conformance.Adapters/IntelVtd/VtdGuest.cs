using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;

namespace Conformance.Adapters.IntelVtd;

/// <summary>
/// One owner = one VT-d domain: a DID and a 4-level second-level table (§9.8) holding all guest memory 1:1
/// (identity face) plus host-face maps; context entries of every function of its groups point at it; an IRTE per
/// routed MSI-X vector. Map and unmap follow VFIO type1 v2 (vfio_dma_do_map / vfio_dma_do_unmap order of checks);
/// unmap returns only after the IOTLB invalidation has completed.
/// </summary>
public class VtdGuest : GuestBase, IFullSpaceDma, IIdentityFace
{
    private const ulong Page = HostPageAllocator.PageSize;
    private const ulong AddressMask = 0x000f_ffff_ffff_f000UL;
    private const ulong InterruptWindow = 0xFEE0_0000, InterruptWindowEnd = 0xFEEF_FFFF;
    private readonly VtdAdapter _host;
    private readonly List<ulong> _tables = [];
    private readonly SortedList<ulong, ulong> _mappings = new(); // IOVA -> size
    private readonly Dictionary<(Bdf, int), int> _irtes = new();
    private ulong _root;
    private ushort _did;

    /// <summary>The mapped ranges (IOVA -> size), for a subclass's own map/unmap (the broken variants).</summary>
    protected SortedList<ulong, ulong> Mappings => _mappings;

    public VtdGuest(VtdAdapter host, GuestConfig config) : base(host, config)
    {
        _host = host;
        ulong top = (1UL << host.AddressWidth) - 1;
        // The interrupt window is never DMA-remapped (§3.14): Linux reports it as a reserved (MSI) region.
        IovaRanges = [new(0, InterruptWindow - 1), new(InterruptWindowEnd + 1, top)];
    }

    public override IGuestFace Face => this;
    public override IFullSpaceDma FullSpace => this;
    public GuestFaceKind Kind => GuestFaceKind.Identity;
    public IReadOnlyList<ulong> PageSizes { get; } = [Page];
    public virtual IReadOnlyList<IovaRange> IovaRanges { get; }

    /// <summary>This domain's DID.</summary>
    public ushort DomainId => _did;

    private string TableOwner => $"vtd:{Name}";

    protected override async ValueTask<Result> OnCreateAsync(CancellationToken ct)
    {
        if (_host.AllocateDomainId() is not { } did) return AdapterError.NoSpace("no free domain ID");
        _did = did;
        if (NewTable() is not { } root) return AdapterError.NoSpace("no memory for the second-level root table");
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

    /// <summary>§9.8: the level-1 entry for <paramref name="iova"/> in the 4-level table, creating tables on the way when asked.</summary>
    protected ulong? Leaf(ulong iova, bool create)
    {
        ulong table = _root;
        for (int level = 4; level > 1; level--)
        {
            ulong slot = table + ((iova >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
            Platform.Memory.TryReadLe(slot, 8, out ulong e);
            if ((e & 3) == 0)
            {
                if (!create) return null;
                if (NewTable() is not { } t) return null;
                e = t | 3; // non-leaf: R and W, rights are AND-ed down the walk
                _host.Store(slot, e);
            }
            table = e & AddressMask;
        }
        return table + ((iova >> 12) & 0x1ff) * 8;
    }


    public virtual ValueTask<Result> MapAsync(ulong iova, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Type1Mappings.CheckMap(_mappings, iova, guestPhysical, size, access, Page, Config.MemorySize, IovaRanges, "MGAW, interrupt window") is { } refused) return new(refused);
        ulong rights = (access.HasFlag(DmaAccess.Read) ? 1UL : 0) | (access.HasFlag(DmaAccess.Write) ? 2UL : 0);
        for (ulong o = 0; o < size; o += Page)
        {
            if (Leaf(iova + o, create: true) is not { } leaf)
            {
                ClearLeaves(iova, o);
                InvalidateRange(iova, o);
                return new(AdapterError.NoSpace("no memory for page tables"));
            }
            ulong frame = FrameOf(guestPhysical + o)!.Value;
            _host.Store(leaf, frame | rights);
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

    private void ClearLeaves(ulong iova, ulong size)
    {
        for (ulong o = 0; o < size; o += Page)
        {
            if (Leaf(iova + o, create: false) is { } leaf) _host.Store(leaf, 0);
        }
    }

    private void InvalidateRange(ulong iova, ulong size)
    {
        if (size > 0) InvalidateRanges([(iova, size)]);
    }

    /// <summary>§6.5.2.3: page-selective IOTLB invalidations (naturally aligned 2^AM-page blocks, AM &lt;= CAP.MAMV)
    /// covering the ranges; a domain-selective one when that would take more than 16 descriptors or PSI is absent.</summary>
    private bool InvalidateRanges(IReadOnlyList<(ulong Iova, ulong Size)> ranges)
    {
        var descriptors = new List<(ulong, ulong)>();
        if (_host.MaxAddressMask >= 0)
        {
            foreach (var (iova, size) in ranges)
            {
                ulong page = iova >> 12, pages = size >> 12;
                while (pages > 0 && descriptors.Count <= 16)
                {
                    int am = Math.Min(_host.MaxAddressMask, System.Numerics.BitOperations.TrailingZeroCount(page | (1UL << 52)));
                    while ((1UL << am) > pages) am--;
                    descriptors.Add(VtdDescriptors.Iotlb(3, _did, page << 12, am));
                    page += 1UL << am;
                    pages -= 1UL << am;
                }
            }
        }
        if (_host.MaxAddressMask < 0 || descriptors.Count > 16)
        {
            descriptors.Clear();
            descriptors.Add(VtdDescriptors.Iotlb(2, _did));
        }
        return _host.Invalidate(descriptors);
    }

    protected override ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct)
    {
        // VFIO type1: "No interrupt remapping support. Use the module param allow_unsafe_interrupts" (-EPERM).
        if (!_host.InterruptRemapping && !_host.AllowUnsafeInterrupts)
            return new(AdapterError.Permission("no interrupt remapping (ECAP.IR = 0); attach needs the allow-unsafe-interrupts opt-in"));
        // Every requester ID of every member: its own and its DMA aliases (domain_context_mapping), each once.
        foreach (var rid in _host.DomainMembers(group).SelectMany(_host.ContextRequesters).Distinct())
        {
            if (!_host.SetContext(rid, _root, _did)) return new(new AdapterError(AdapterErrorKind.Io, $"context-cache invalidation for {rid} did not complete"));
        }
        return new(Result.Ok);
    }

    protected override ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct)
    {
        bool ok = true;
        // Clears the context entry of every requester ID attach programmed (domain_context_clear walks the aliases).
        foreach (var rid in group.Devices.SelectMany(_host.ContextRequesters).Distinct()) ok &= _host.SetContext(rid, null, _did);
        foreach (var d in group.Devices)
        {
            foreach (var key in _irtes.Keys.Where(k => k.Item1 == d).ToList())
            {
                _host.FreeIrte(_irtes[key]);
                _irtes.Remove(key);
            }
        }
        return new(ok ? Result.Ok : new AdapterError(AdapterErrorKind.Io, "an invalidation did not complete"));
    }

    /// <summary>
    /// §5.1.4, §9.10-9.11: an IRTE (remapped format, physical destination = the vCPU's APIC, the guest's vector,
    /// source-id verified) and the remappable-format message (address bit 4, handle in bits 19:5 and 2, SHV = 0)
    /// written into the device's MSI-X entry by the adapter. Without interrupt remapping (unsafe opt-in only), a
    /// compatibility-format message.
    /// </summary>
    protected override ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct)
    {
        if (!_host.InterruptRemapping) return base.OnRouteAsync(device, index, target, ct);
        if (!_irtes.TryGetValue((device.Bdf, index), out int handle))
        {
            if (_host.AllocateIrte() is not { } h) return new(AdapterError.NoSpace("no free interrupt remapping entries"));
            _irtes[(device.Bdf, index)] = handle = h;
        }
        // lo: P, FPD 0, DM 0 (physical), RH 0, TM 0 (edge), DLM 000 (fixed), IM 0 (remapped), V, DST (xAPIC: 15:8).
        ulong lo = 1UL | ((ulong)target.Vector << 16) | ((ulong)(target.Vcpu & 0xff) << 40);
        if (!_host.WriteIrte(handle, lo, _host.SourceValidation(device.Bdf))) return new(new AdapterError(AdapterErrorKind.Io, "the interrupt entry cache invalidation did not complete"));
        ulong address = 0xFEE0_0000UL | ((ulong)(handle & 0x7fff) << 5) | (1UL << 4) | ((ulong)(handle >> 15) << 2);
        WriteMsixEntry(device, index, address, 0, masked: false);
        return new(Result.Ok);
    }

    protected override ValueTask OnDestroyAsync(CancellationToken ct)
    {
        if (_did != 0)
        {
            _host.Invalidate([VtdDescriptors.Iotlb(2, _did)]);
            _host.FreeDomainId(_did);
        }
        foreach (var t in _tables) Platform.Pages.Free(t);
        _tables.Clear();
        _mappings.Clear();
        return ValueTask.CompletedTask;
    }
}
