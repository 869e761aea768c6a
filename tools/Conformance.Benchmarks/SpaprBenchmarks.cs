using BenchmarkDotNet.Attributes;
using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Adapters.Power;
using Conformance.Reference.Bus;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Power;
using Conformance.Reference.Topology;

namespace Conformance.Benchmarks;

/// <summary>
/// The seed's "iomap each request" cost on POWER: IO pages mapped per second through the sPAPR adapter, one
/// H_PUT_TCE per page versus H_PUT_TCE_INDIRECT with 512 TCEs per call. Each call validates, writes big-endian TCEs
/// into the PHB's table and kills the PE's TCE cache through OPAL, as the adapter always does.
/// </summary>
[MemoryDiagnoser]
public class SpaprBenchmarks
{
    private const int Pages = 512;
    private SpaprGuest _guest = null!;
    private ulong _liobn, _list;

    [GlobalSetup]
    public void Setup()
    {
        var memory = new PhysicalMemory([new MemoryRegion(0, 64UL << 20)]);
        var machine = new Machine(memory);
        var topology = new TopologySpec(
        [
            new DeviceSpec { Bdf = new Bdf(0, 0, 0, 0), Kind = DeviceKind.HostBridge, Vendor = 0x1014, DeviceId = 0x04c1, ClassCode = 0x060000 },
            new DeviceSpec { Bdf = new Bdf(0, 0, 1, 0), Kind = DeviceKind.RootPort, Vendor = 0x1014, DeviceId = 0x04c1, ClassCode = 0x060400, Secondary = 1, Subordinate = 1 },
            new DeviceSpec { Bdf = new Bdf(0, 1, 0, 0), Kind = DeviceKind.Endpoint, Vendor = 0x1b36, DeviceId = 0x0010, ClassCode = 0x010802, Bars = [new BarSpec(0, 0x4000, BarKind.Mem32)] },
        ]);
        var phb = new PhbConfig { Id = "phb0", PhbId = 0, Segment = 0 };
        var power = PowerPlatform.Attach(machine, [phb], topology);
        var groups = power.Assignment.Pes.Select(p => new IsolationGroup(p.Number, p.Members.ToList(), p.Members.Count > 0 && p.Members.All(m => m.Bus != 0))).ToList();
        var access = new Access(memory, machine, power.Opal, new PlatformFacts("power-phb", [], groups, [new UnitFacts("phb0", "power-phb", phb.M32.CpuBase, phb.M32.Size)]));
        var adapter = new SpaprAdapterFactory().Create(access);
        var guest = adapter.CreateGuestAsync(new GuestConfig("g", 4UL << 20, [0]), CancellationToken.None).AsTask().GetAwaiter().GetResult().Value;
        int pe = groups.First(g => g.Viable).Id;
        if (!guest.AttachGroupAsync(pe, CancellationToken.None).AsTask().GetAwaiter().GetResult().IsOk) throw new InvalidOperationException("attach failed");
        _guest = (SpaprGuest)guest;
        _liobn = _guest.TceWindows[0].Liobn;
        // A 4 KiB-aligned list of 512 big-endian TCEs in guest memory, guest pages 1 MiB.. read/write.
        _list = 0x10_0000 - 0x1000;
        ulong frame = _guest.FrameOf(_list)!.Value;
        for (int i = 0; i < Pages; i++) memory.TryWriteBe(frame + (ulong)i * 8, 8, (0x10_0000UL + (ulong)i * 0x1000) | 3);
    }

    [Benchmark(OperationsPerInvoke = Pages, Description = "H_PUT_TCE, one page per call")]
    public long PutTce()
    {
        long rc = 0;
        for (int i = 0; i < Pages; i++) rc |= (long)_guest.PutTceCore(_liobn, (ulong)i * 0x1000, (0x10_0000UL + (ulong)i * 0x1000) | 3);
        return rc;
    }

    [Benchmark(OperationsPerInvoke = Pages, Description = "H_PUT_TCE_INDIRECT, 512 pages per call")]
    public long PutTceIndirect() => (long)_guest.PutTceIndirectCore(_liobn, 0, _list, Pages);

    private sealed class Access(PhysicalMemory memory, Machine machine, OpalPci opal, PlatformFacts facts) : IPlatformAccess, IHostMemory, ICpuMmio, IPciConfig, IOpalAccess
    {
        public PlatformFacts Facts => facts;
        public IHostMemory Memory => this;
        public ICpuMmio Mmio => this;
        public IPciConfig Config => this;
        public HostPageAllocator Pages { get; } = new(memory.Regions);
        public OpalPci? Opal => opal;
        public GuestCpuMap CreateGuestCpuMap(string owner) => new(owner, Pages);
        public int Relax(int count = 1) { machine.Tick(count); return count; }
        public bool TryRead(ulong address, Span<byte> destination) => memory.TryRead(address, destination);
        public bool TryWrite(ulong address, ReadOnlySpan<byte> source) => memory.TryWrite(address, source);
        public bool TryReadLe(ulong address, int width, out ulong value) => memory.TryReadLe(address, width, out value);
        public bool TryWriteLe(ulong address, int width, ulong value) => memory.TryWriteLe(address, width, value);
        public bool TryReadBe(ulong address, int width, out ulong value) => memory.TryReadBe(address, width, out value);
        public bool TryWriteBe(ulong address, int width, ulong value) => memory.TryWriteBe(address, width, value);
        ulong ICpuMmio.Read(ulong address, int width) => machine.Mmio.TryRead(address, width, out var v) ? v : MmioBus.AllOnes(width);
        void ICpuMmio.Write(ulong address, int width, ulong value) => machine.Mmio.TryWrite(address, width, value);
        public uint Read(Bdf bdf, int offset, int width) => 0xffff_ffffu;
        public void Write(Bdf bdf, int offset, int width, uint value) { }
    }
}
