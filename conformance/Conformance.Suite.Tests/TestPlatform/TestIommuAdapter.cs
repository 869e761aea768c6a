using Conformance.Adapters;
using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Pci;
using Conformance.Suite.Machine;

namespace Conformance.Suite.Tests.TestPlatform;

/// <summary>The test platform: installs a <see cref="TestIommu"/> at 0xFED00000.</summary>
public sealed class TestIommuPlatform : IPlatformModel
{
    public const ulong RegisterBase = 0xFED0_0000;
    public string Platform => "test-iommu";

    public IReadOnlyList<UnitFacts> Install(Reference.Platform.Machine machine)
    {
        var iommu = new TestIommu(machine.Memory);
        machine.Bridge = iommu;
        machine.AddUnit("iommu0", RegisterBase, TestIommu.RegisterSize, iommu);
        return [new UnitFacts("iommu0", "test-iommu", RegisterBase, TestIommu.RegisterSize)];
    }
}

/// <summary>
/// A correct adapter over the test IOMMU: a control for the suite's own tests. The deliberately broken variants live in
/// adapters/Conformance.Adapters.Broken, written against the VT-d and sPAPR reference adapters.
/// </summary>
public sealed class TestIommuAdapterFactory : IAdapterFactory, IProvidesPlatformModel
{
    public string Name => "test-iommu";
    public string Platform => "test-iommu";

    public AdapterCapabilities Capabilities { get; } = new()
    {
        DmaModels = DmaModels.FullSpace,
        GuestFace = GuestFaceKind.Identity,
        HotReset = true,
    };

    public IHostAdapter Create(IPlatformAccess platform) => new TestIommuAdapter(platform, Capabilities);

    public IPlatformModel CreatePlatformModel() => new TestIommuPlatform();
}

/// <summary>The host adapter: owns the device table and the interrupt table; hands out domain IDs and IRT handles.</summary>
public sealed class TestIommuAdapter : HostAdapterBase
{
    private readonly bool[] _handles = new bool[256];
    private int _nextDomain = 1;

    public TestIommuAdapter(IPlatformAccess platform, AdapterCapabilities capabilities) : base(platform, capabilities)
    {
        var unit = platform.Facts.Units.Single(u => u.Kind == "test-iommu");
        Registers = unit.MmioBase;
        DeviceTable = platform.Pages.AllocateContiguous("iommu:tables", 128) ?? throw new InvalidOperationException("no memory for the device table");
        Irt = platform.Pages.Allocate("iommu:tables") ?? throw new InvalidOperationException("no memory for the interrupt table");
        var zero = new byte[HostPageAllocator.PageSize];
        for (int i = 0; i < 128; i++) platform.Memory.TryWrite(DeviceTable + (ulong)i * HostPageAllocator.PageSize, zero);
        platform.Memory.TryWrite(Irt, zero);
        platform.Mmio.Write(Registers + 0x08, 8, DeviceTable);
        platform.Mmio.Write(Registers + 0x10, 8, Irt);
    }

    public ulong Registers { get; }
    public ulong DeviceTable { get; }
    public ulong Irt { get; }

    internal int NewDomain() => _nextDomain++;

    internal int? NewHandle()
    {
        for (int i = 1; i < _handles.Length; i++) if (!_handles[i]) { _handles[i] = true; return i; }
        return null;
    }

    internal void FreeHandle(int handle)
    {
        Platform.Memory.TryWriteLe(Irt + (ulong)handle * 16, 8, 0);
        Platform.Memory.TryWriteLe(Irt + (ulong)handle * 16 + 8, 8, 0);
        _handles[handle] = false;
    }

    /// <summary>Flushes a domain's IOTLB entries (synchronous in this IOMMU).</summary>
    internal void InvalidateDomain(int domain) => Platform.Mmio.Write(Registers + 0x18, 8, (ulong)domain << 16);

    internal void WriteDeviceEntry(Bdf device, ulong value) => Platform.Memory.TryWriteLe(DeviceTable + device.RequesterId * 8UL, 8, value);

    protected override GuestBase NewGuest(GuestConfig config) => new TestIommuGuest(this, config);
}

/// <summary>One owner: a three-level page table (its domain), all guest memory mapped 1:1, plus host-face maps.</summary>
public sealed class TestIommuGuest : GuestBase, IFullSpaceDma, IIdentityFace
{
    private const ulong Page = 4096;
    private readonly TestIommuAdapter _host;
    private readonly List<ulong> _tables = [];
    private readonly List<(ulong Iova, ulong Size)> _mappings = [];
    private readonly Dictionary<(Bdf, int), int> _irtes = new();
    private ulong _root;
    private int _domain;

    public TestIommuGuest(TestIommuAdapter host, GuestConfig config) : base(host, config) => _host = host;

    public override IGuestFace Face => this;
    public override IFullSpaceDma FullSpace => this;
    public GuestFaceKind Kind => GuestFaceKind.Identity;
    public IReadOnlyList<ulong> PageSizes { get; } = [Page];

    /// <summary>Everything below 2^39 except the interrupt window (a reserved region, as Linux reports for MSI).</summary>
    public IReadOnlyList<IovaRange> IovaRanges { get; } = [new(0, 0xFEDF_FFFF), new(0xFEF0_0000, (1UL << 39) - 1)];

    private string TableOwner => $"iommu:{Name}";

    protected override async ValueTask<Result> OnCreateAsync(CancellationToken ct)
    {
        _domain = _host.NewDomain();
        _root = NewTable() ?? 0;
        if (_root == 0) return AdapterError.NoSpace("no memory for the root table");
        // Identity face: the guest uses guest-physical addresses, so all of its memory is mapped 1:1.
        return await MapAsync(0, 0, Config.MemorySize, DmaAccess.ReadWrite, ct).ConfigureAwait(false);
    }

    private ulong? NewTable()
    {
        var t = Platform.Pages.Allocate(TableOwner);
        if (t is null) return null;
        Platform.Memory.TryWrite(t.Value, new byte[Page]);
        _tables.Add(t.Value);
        return t;
    }

    /// <summary>The leaf entry address for <paramref name="iova"/>, creating tables on the way when asked.</summary>
    private ulong? Leaf(ulong iova, bool create)
    {
        ulong table = _root;
        for (int level = 2; level > 0; level--)
        {
            ulong slot = table + ((iova >> (12 + 9 * level)) & 0x1ff) * 8;
            Platform.Memory.TryReadLe(slot, 8, out ulong e);
            if ((e & 1) == 0)
            {
                if (!create) return null;
                var t = NewTable();
                if (t is null) return null;
                e = t.Value | 1;
                Platform.Memory.TryWriteLe(slot, 8, e);
            }
            table = e & 0x000f_ffff_ffff_f000UL;
        }
        return table + ((iova >> 12) & 0x1ff) * 8;
    }

    public ValueTask<Result> MapAsync(ulong iova, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // The order of checks follows vfio_dma_do_map (facts §1.3).
        if ((access & DmaAccess.ReadWrite) == 0) return new(AdapterError.Invalid("neither read nor write"));
        if (size == 0 || ((iova | guestPhysical | size) & (Page - 1)) != 0) return new(AdapterError.Invalid("size 0 or not aligned to 4 KiB"));
        if (iova + size - 1 < iova || guestPhysical + size - 1 < guestPhysical) return new(AdapterError.Overflow("range wraps"));
        if (_mappings.Any(m => iova < m.Iova + m.Size && m.Iova < iova + size)) return new(AdapterError.Exists($"IOVA 0x{iova:x}+0x{size:x} overlaps a mapping"));
        if (_mappings.Count >= 65535) return new(AdapterError.NoSpace("no more DMA entries"));
        if (!IovaRanges.Any(r => r.Contains(iova, size))) return new(AdapterError.Invalid($"IOVA 0x{iova:x}+0x{size:x} is outside the valid ranges"));
        if (guestPhysical + size > Config.MemorySize) return new(AdapterError.Invalid("not guest memory"));
        for (ulong o = 0; o < size; o += Page)
        {
            var leaf = Leaf(iova + o, create: true);
            if (leaf is null) return new(AdapterError.NoSpace("no memory for page tables"));
            ulong frame = FrameOf(guestPhysical + o)!.Value;
            Platform.Memory.TryWriteLe(leaf.Value, 8, frame | (access.HasFlag(DmaAccess.Read) ? 1UL : 1UL) | (access.HasFlag(DmaAccess.Write) ? 2UL : 0));
        }
        _mappings.Add((iova, size));
        return new(Result.Ok);
    }

    public ValueTask<Result<ulong>> UnmapAsync(ulong iova, ulong size, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (size == 0 || ((iova | size) & (Page - 1)) != 0) return new(AdapterError.Invalid("size 0 or not aligned"));
        if (iova + size - 1 < iova) return new(AdapterError.Invalid("range wraps"));
        ulong end = iova + size;
        // Type1 v2: no mapping may be bisected by the range.
        if (_mappings.Any(m => m.Iova < end && iova < m.Iova + m.Size && (m.Iova < iova || m.Iova + m.Size > end)))
            return new(AdapterError.Invalid("the range bisects a mapping"));
        ulong unmapped = 0;
        foreach (var m in _mappings.Where(m => m.Iova >= iova && m.Iova + m.Size <= end).ToList())
        {
            for (ulong o = 0; o < m.Size; o += Page)
            {
                if (Leaf(m.Iova + o, create: false) is { } leaf) Platform.Memory.TryWriteLe(leaf, 8, 0);
            }
            _mappings.Remove(m);
            unmapped += m.Size;
        }
        _host.InvalidateDomain(_domain);
        return new(unmapped);
    }

    protected override ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct)
    {
        // Every requester ID of the group's functions, DMA aliases included (the platform facts' aliases).
        foreach (var rid in Platform.Facts.DmaAliasesOf(group)) _host.WriteDeviceEntry(rid, _root | 1 | ((ulong)_domain << 52));
        return new(Result.Ok);
    }

    protected override ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct)
    {
        foreach (var rid in Platform.Facts.DmaAliasesOf(group)) _host.WriteDeviceEntry(rid, 0);
        foreach (var d in group.Devices)
        {
            foreach (var key in _irtes.Keys.Where(k => k.Item1 == d).ToList())
            {
                _host.FreeHandle(_irtes[key]);
                _irtes.Remove(key);
            }
        }
        _host.InvalidateDomain(_domain);
        return new(Result.Ok);
    }

    /// <summary>Remapped interrupts: an IRT entry bound to the device's requester ID, and a remappable-format message.</summary>
    protected override ValueTask<Result> OnRouteAsync(DeviceFacts device, int index, GuestVector target, CancellationToken ct)
    {
        if (!_irtes.TryGetValue((device.Bdf, index), out int handle))
        {
            if (_host.NewHandle() is not { } h) return new(AdapterError.NoSpace("no free interrupt entries"));
            _irtes[(device.Bdf, index)] = handle = h;
        }
        ulong entry = _host.Irt + (ulong)handle * 16;
        Platform.Memory.TryWriteLe(entry + 8, 8, device.WireRequester.RequesterId);
        Platform.Memory.TryWriteLe(entry, 8, 1UL | ((ulong)target.Vector << 8) | ((ulong)target.Vcpu << 32));
        WriteMsixEntry(device, index, 0xFEE0_0000UL | ((ulong)handle << 5) | 0x10, 0, masked: false);
        return new(Result.Ok);
    }

    protected override ValueTask OnDestroyAsync(CancellationToken ct)
    {
        _host.InvalidateDomain(_domain);
        foreach (var t in _tables) Platform.Pages.Free(t);
        _tables.Clear();
        _mappings.Clear();
        return ValueTask.CompletedTask;
    }
}
