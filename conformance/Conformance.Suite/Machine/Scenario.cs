using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Reference.Bus;
using Conformance.Reference.Groups;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Suite.Machine;

/// <summary>
/// A simulated machine for one check: memory below and above 4 GiB, a PCI topology with DMA test functions, its
/// isolation groups, the platform's IO bridge (installed by an <see cref="IPlatformModel"/>), and the architected
/// surface handed to the adapter. Seeded: BAR sizes, which group is held by a host driver, memory contents.
/// </summary>
public sealed class Scenario
{
    public const ulong LowBase = 0, LowSize = 16UL << 20;
    public const ulong HighBase = 1UL << 32, HighSize = 16UL << 20;
    public const ulong MmioBase = 0xC000_0000;

    private readonly Dictionary<Bdf, TestFunction> _functions = new();
    private readonly Dictionary<Bdf, DeviceSpec> _specs = new();

    public Scenario(ulong seed, IPlatformModel platformModel)
    {
        Seed = seed;
        var random = new Bogus.Randomizer((int)(seed ^ (seed >> 32)));
        Memory = new PhysicalMemory([new MemoryRegion(LowBase, LowSize), new MemoryRegion(HighBase, HighSize)]);
        Machine = new Reference.Platform.Machine(Memory);
        Topology = ScenarioTopology.Build(random);
        // DMA aliasing on the wire, and the aliases the platform reports: both from the reference computation
        // (Linux pci_for_each_dma_alias), never from the adapter.
        var aliases = DmaAliases.For(PciTree.Build(Topology.Spec));
        Machine.WireRequester = aliases.WireRequester;
        ulong next = MmioBase;
        ulong segment = platformModel.BarSegment;
        int lastBus = -1;
        var placed = new List<DeviceSpec>();
        foreach (var d in Topology.Spec.Devices)
        {
            _specs[d.Bdf] = d;
            if (d.Kind.IsBridge() || d.Kind == DeviceKind.HostBridge) { placed.Add(d); continue; }
            // A segmented platform (POWER M32) gives each bus's PE its own segments: BARs never share one across PEs.
            if (segment != 0 && d.Bdf.Bus != lastBus) { next = AlignUp(next, segment); lastBus = d.Bdf.Bus; }
            var bars = new List<(BarSpec, ulong)>();
            foreach (var b0 in d.Bars)
            {
                var b = segment != 0 ? b0 with { Base = null } : b0;
                ulong at = b.Base ?? AlignUp(next, Math.Max(b.Size, 0x1000));
                bars.Add((b, at));
                if (b.Base is null) next = at + Math.Max(b.Size, 0x1000);
            }
            _functions[d.Bdf] = new TestFunction(Machine, d.Bdf, bars, d.Msix, d.DmaMaskBits);
            placed.Add(d with { Bars = bars.Select(x => x.Item1 with { Base = x.Item2 }).ToList() });
        }
        _barMappings = Machine.Mmio.Mappings.Where(m => TestFunction.Owner(m.Region) is not null).ToList();
        var install = platformModel.Install(Machine, new TopologySpec(placed));
        Units = install.Units;
        Firmware = install.Firmware;
        var groups = install.Groups is { } pg
            ? pg.Select(g => new IsolationGroup(g.Id, g.Members, Viable: ScenarioTopology.IsViable(g.Members))).ToList()
            : Topology.Groups;
        Pages = new HostPageAllocator(Memory.Regions);
        Facts = new PlatformFacts(platformModel.Platform,
            Topology.Spec.Devices.Select(d => new DeviceFacts(d.Bdf, d.Kind, d.Vendor, d.DeviceId,
                _functions.TryGetValue(d.Bdf, out var f) ? f.Bars.Select(b => new BarFacts(b.Spec.Index, b.Base, b.Spec.Size, b.Spec.Kind, b.Spec.Prefetch)).ToList() : [],
                d.Msix, d.DmaMaskBits, aliases.AliasesOf(d.Bdf).ToList())).ToList(),
            groups, Units);
        Access = new MachineAccess(this);
    }

    private readonly IReadOnlyList<MmioBus.Mapping> _barMappings;

    /// <summary>Every BAR of the test functions as the CPU reaches it (on POWER, behind the PHB's M32 window).</summary>
    public IReadOnlyList<MmioBus.Mapping> BarMappings => _barMappings;

    /// <summary>The platform's firmware (POWER: the OPAL PCI interface), or null.</summary>
    public object? Firmware { get; }

    private static ulong AlignUp(ulong a, ulong align) => (a + align - 1) & ~(align - 1);

    public ulong Seed { get; }
    public PhysicalMemory Memory { get; }
    public Reference.Platform.Machine Machine { get; }
    public ScenarioTopology Topology { get; }
    public IReadOnlyList<UnitFacts> Units { get; }
    public HostPageAllocator Pages { get; }
    public PlatformFacts Facts { get; }

    /// <summary>The architected surface given to the adapter.</summary>
    public IPlatformAccess Access { get; }

    public IReadOnlyCollection<TestFunction> Functions => _functions.Values;

    public TestFunction Function(Bdf bdf) => _functions[bdf];

    /// <summary>Which test function and BAR decodes a host physical address, if any.</summary>
    public (TestFunction Function, int Bar)? DecoderAt(ulong hostPhysical, int width = 1) =>
        _barMappings.FirstOrDefault(m => m.Contains(hostPhysical, width)) is { } m ? TestFunction.Owner(m.Region) : null;

    private sealed class MachineAccess(Scenario s) : IPlatformAccess, IHostMemory, ICpuMmio, IPciConfig, Adapters.Power.IOpalAccess
    {
        public Reference.Power.OpalPci? Opal => s.Firmware as Reference.Power.OpalPci;
        public PlatformFacts Facts => s.Facts;
        public IHostMemory Memory => this;
        public ICpuMmio Mmio => this;
        public IPciConfig Config => this;
        public HostPageAllocator Pages => s.Pages;
        public GuestCpuMap CreateGuestCpuMap(string owner) => new(owner, s.Pages);

        public int Relax(int count = 1)
        {
            s.Machine.Tick(count);
            return count;
        }

        public bool TryRead(ulong address, Span<byte> destination) => s.Memory.TryRead(address, destination);
        public bool TryWrite(ulong address, ReadOnlySpan<byte> source) => s.Memory.TryWrite(address, source);
        public bool TryReadLe(ulong address, int width, out ulong value) => s.Memory.TryReadLe(address, width, out value);
        public bool TryWriteLe(ulong address, int width, ulong value) => s.Memory.TryWriteLe(address, width, value);
        public bool TryReadBe(ulong address, int width, out ulong value) => s.Memory.TryReadBe(address, width, out value);
        public bool TryWriteBe(ulong address, int width, ulong value) => s.Memory.TryWriteBe(address, width, value);

        ulong ICpuMmio.Read(ulong address, int width) => s.Machine.Mmio.TryRead(address, width, out var v) ? v : MmioBus.AllOnes(width);
        void ICpuMmio.Write(ulong address, int width, ulong value) => s.Machine.Mmio.TryWrite(address, width, value);

        // A minimal configuration space: identity, the bridge's secondary bus and Secondary Bus Reset, and a PCI
        // Express capability at 0x40 whose Device Control bit 15 initiates an FLR.
        public uint Read(Bdf bdf, int offset, int width)
        {
            if (!s._specs.TryGetValue(bdf, out var d)) return width == 4 ? 0xffff_ffffu : (1u << (width * 8)) - 1;
            uint dword = (offset & ~3) switch
            {
                0x00 => (uint)d.Vendor | ((uint)d.DeviceId << 16),
                0x0c => (uint)((d.Kind.IsBridge() ? 1 : 0) | ((d.Multifunction ?? false) ? 0x80 : 0)) << 16,
                0x18 when d.Kind.IsBridge() => ((uint)(d.Subordinate ?? 0) << 16) | ((uint)(d.Secondary ?? 0) << 8),
                0x34 => 0x40,
                0x40 => PciConfigRegisters.PcieCapabilityId,
                _ => 0,
            };
            return (dword >> ((offset & 3) * 8)) & (width == 4 ? 0xffff_ffffu : (1u << (width * 8)) - 1);
        }

        public void Write(Bdf bdf, int offset, int width, uint value)
        {
            if (!s._specs.TryGetValue(bdf, out var d)) return;
            if (d.Kind.IsBridge() && offset == PciConfigRegisters.BridgeControl && (value & PciConfigRegisters.SecondaryBusReset) != 0)
            {
                foreach (var f in s._functions.Values.Where(f => f.Bdf.Segment == bdf.Segment && f.Bdf.Bus == d.Secondary)) f.Reset();
            }
            else if (!d.Kind.IsBridge() && offset == 0x40 + PciConfigRegisters.DeviceControl && (value & PciConfigRegisters.InitiateFlr) != 0
                     && s._functions.TryGetValue(bdf, out var fn))
            {
                fn.Reset();
            }
        }
    }
}
