using Conformance.Reference.Devices;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Platform;

/// <summary>
/// Builds a <see cref="Machine"/> from a topology and memory regions, as firmware would leave it: every function
/// with its configuration space (bridges with bus numbers and windows, PCI-X/PCIe/MSI-X/ACS/ARI capabilities as the
/// topology says, BARs), BAR bases assigned where the topology omits them (naturally aligned; 32-bit BARs and 64-bit
/// non-prefetchable BARs from the 32-bit window, 64-bit prefetchable BARs from the 64-bit window; each bridge's
/// subtree kept contiguous so sibling windows do not overlap), bridge windows programmed to cover their children at
/// 1 MiB granularity, Memory Space (and I/O Space) Enable set, and Bus Master Enable set unless told otherwise.
/// Endpoints (endpoint, legacy-endpoint, rc-endpoint, pci-device) become <see cref="DmaTestDevice"/>s.
/// </summary>
public sealed class PlatformBuilder
{
    /// <summary>Default 32-bit MMIO window: below the x86 interrupt window (0xFEE00000) and the chipset range above 0xFEC00000.</summary>
    public const ulong DefaultMem32Base = 0xC000_0000, DefaultMem32Limit = 0xFEBF_FFFF;
    public const ulong DefaultMem64Base = 0x40_0000_0000, DefaultMem64Limit = 0x7F_FFFF_FFFF;
    public const ulong DefaultIoBase = 0x1000, DefaultIoLimit = 0xFFFF;

    private readonly TopologySpec _topology;
    private readonly List<MemoryRegion> _memory = [];
    private Func<Machine, IIoBridge>? _bridge;
    private Func<Bdf, Bdf>? _wireRequester;
    private ulong _mem32Base = DefaultMem32Base, _mem32Limit = DefaultMem32Limit;
    private ulong _mem64Base = DefaultMem64Base, _mem64Limit = DefaultMem64Limit;
    private bool? _hostWindows;
    private bool _busMaster = true;
    private bool _testDevices = true;
    private bool _testDeviceMsi;

    public PlatformBuilder(TopologySpec topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        _topology = topology;
    }

    /// <summary>One-call form: topology + memory (+ bridge).</summary>
    public static SimulatedPlatform Build(TopologySpec topology, IEnumerable<MemoryRegion> memory, IIoBridge? bridge = null)
    {
        var b = new PlatformBuilder(topology).WithMemory(memory);
        if (bridge is not null) b.WithBridge(bridge);
        return b.Build();
    }

    public PlatformBuilder WithMemory(IEnumerable<MemoryRegion> regions)
    {
        _memory.AddRange(regions);
        return this;
    }

    public PlatformBuilder WithMemory(ulong baseAddress, ulong size) => WithMemory([new MemoryRegion(baseAddress, size)]);

    /// <summary>The platform's IOMMU or PHB (default: <see cref="DirectBridge"/>, no IOMMU).</summary>
    public PlatformBuilder WithBridge(IIoBridge bridge)
    {
        ArgumentNullException.ThrowIfNull(bridge);
        _bridge = _ => bridge;
        return this;
    }

    /// <summary>A bridge that needs the machine (its memory, for tables) to be created.</summary>
    public PlatformBuilder WithBridge(Func<Machine, IIoBridge> factory)
    {
        _bridge = factory ?? throw new ArgumentNullException(nameof(factory));
        return this;
    }

    /// <summary>
    /// How a function's DMA appears at the root complex (DMA aliasing; the groups layer's <c>DmaAliases.WireRequester</c>).
    /// Default: every function is its own requester.
    /// </summary>
    public PlatformBuilder WithWireRequester(Func<Bdf, Bdf> wireRequester)
    {
        _wireRequester = wireRequester ?? throw new ArgumentNullException(nameof(wireRequester));
        return this;
    }

    /// <summary>The bus address range 32-bit BARs are assigned from (e.g. a POWER PHB's M32 PCI range).</summary>
    public PlatformBuilder WithMem32Window(ulong baseAddress, ulong limit)
    {
        if (limit < baseAddress || limit > 0xFFFF_FFFF) throw new ArgumentException("the 32-bit window must lie below 4 GiB");
        (_mem32Base, _mem32Limit) = (baseAddress, limit);
        return this;
    }

    public PlatformBuilder WithMem64Window(ulong baseAddress, ulong limit)
    {
        if (limit < baseAddress) throw new ArgumentException("empty 64-bit window");
        (_mem64Base, _mem64Limit) = (baseAddress, limit);
        return this;
    }

    /// <summary>
    /// Whether CPU addresses equal to bus addresses reach the BARs (x86 host bridges). Default: yes, except on
    /// <c>power-phb</c>, where the PHB's M32/M64 windows translate CPU addresses and forward them itself.
    /// </summary>
    public PlatformBuilder WithIdentityHostWindows(bool on)
    {
        _hostWindows = on;
        return this;
    }

    /// <summary>Whether the builder sets Bus Master Enable (as an OS driver would) on every function. Default: yes.</summary>
    public PlatformBuilder WithBusMaster(bool on)
    {
        _busMaster = on;
        return this;
    }

    /// <summary>Whether endpoints become DMA test devices (default) or plain functions.</summary>
    public PlatformBuilder WithTestDevices(bool on)
    {
        _testDevices = on;
        return this;
    }

    /// <summary>Whether DMA test devices also get an MSI capability (linked after MSI-X). Default: no.</summary>
    public PlatformBuilder WithTestDeviceMsi(bool on)
    {
        _testDeviceMsi = on;
        return this;
    }

    public SimulatedPlatform Build()
    {
        var machine = new Machine(new PhysicalMemory(_memory));
        if (_bridge is not null) machine.Bridge = _bridge(machine);
        if (_wireRequester is not null) machine.WireRequester = _wireRequester;

        // 1. Functions with their configuration space.
        foreach (var spec in _topology.Devices.OrderBy(d => d.Bdf))
        {
            bool multifunction = spec.Multifunction ?? _topology.Devices.Any(o => o.Bdf != spec.Bdf && o.Bdf.Segment == spec.Bdf.Segment
                && o.Bdf.Bus == spec.Bdf.Bus && o.Bdf.Device == spec.Bdf.Device);
            machine.Pci.Add(Create(spec, multifunction));
        }

        // 2. ARI Next Function Number: the next function on the same bus (PCIe Base §7.8.7.2).
        foreach (var f in machine.Pci.Functions.Where(f => f.AriOffset != 0).ToList())
        {
            var next = machine.Pci.Segment(f.Bdf.Segment).Functions
                .Where(o => o.Bdf.Bus == f.Bdf.Bus && o.Bdf.DevFn > f.Bdf.DevFn).Select(o => (int?)o.Bdf.DevFn).FirstOrDefault();
            f.SetAriNextFunction((byte)(next ?? 0));
        }

        // 3. Addresses, windows, enables.
        new BarAllocator(machine, _memory, _mem32Base, _mem32Limit, _mem64Base, _mem64Limit).AssignAll();
        foreach (var f in machine.Pci.Functions)
        {
            var enable = PciCommand.None;
            if (f is PciBridge || f.Bars.Any(b => !b.IsIo)) enable |= PciCommand.MemorySpace;
            if (f is PciBridge || f.Bars.Any(b => b.IsIo)) enable |= PciCommand.IoSpace;
            if (_busMaster) enable |= PciCommand.BusMaster;
            f.Enable(enable);
        }

        // 4. CPU reach: identity host windows (x86) for every segment.
        bool windows = _hostWindows ?? machine.Bridge.Platform != "power-phb";
        if (windows)
        {
            foreach (var seg in machine.Pci.Segments)
            {
                var (lo32, hi32, lo64, hi64) = HostWindowBounds(seg);
                machine.AddPciWindow(seg.Number, lo32, hi32 - lo32 + 1);
                machine.AddPciWindow(seg.Number, lo64, hi64 - lo64 + 1);
            }
        }
        return new SimulatedPlatform(machine, _topology);
    }

    private PciFunction Create(DeviceSpec spec, bool multifunction)
    {
        if (spec.Kind.IsBridge()) return new PciBridge(spec, multifunction);
        bool endpoint = spec.Kind is DeviceKind.Endpoint or DeviceKind.LegacyEndpoint or DeviceKind.RcEndpoint or DeviceKind.PciDevice;
        return endpoint && _testDevices ? new DmaTestDevice(spec, multifunction, _testDeviceMsi) : new PciFunction(spec, multifunction);
    }

    /// <summary>The default windows, widened to reach every BAR the topology placed outside them.</summary>
    private (ulong Lo32, ulong Hi32, ulong Lo64, ulong Hi64) HostWindowBounds(PciSegment segment)
    {
        ulong lo32 = _mem32Base, hi32 = _mem32Limit, lo64 = _mem64Base, hi64 = _mem64Limit;
        foreach (var f in segment.Functions)
        {
            foreach (var b in f.Bars.Where(b => !b.IsIo))
            {
                ulong start = b.LiveBase(f.Config), end = start + b.Size - 1;
                if (end <= 0xFFFF_FFFF) { lo32 = Math.Min(lo32, start); hi32 = Math.Max(hi32, end); }
                else { lo64 = Math.Min(lo64, start); hi64 = Math.Max(hi64, end); }
            }
        }
        if (lo64 <= hi32) lo64 = hi32 + 1;
        return (lo32, hi32, lo64, hi64);
    }
}
