using BenchmarkDotNet.Attributes;
using Conformance.Reference.AmdVi;
using Conformance.Reference.Memory;
using Conformance.Reference.Platform;

namespace Conformance.Benchmarks;

/// <summary>
/// AMD-Vi DMA translation throughput through the IO bridge, as the machine calls it per 4 KiB chunk, the same shape as
/// <see cref="VtdBenchmarks"/>: a warm IOTLB (256 hot pages) and a cold one (64 Ki distinct pages swept, so every
/// translation is a Mode-4 walk of the v1 host table). Tables are written from the spec layouts (AMD IOMMU spec
/// §2.2.2 DTE, §2.2.3 page-table entries).
/// </summary>
[MemoryDiagnoser]
public class AmdViBenchmarks
{
    private const int Batch = 4096;
    private const ushort Rid = 0x0018;
    private const ulong Mmio = 0xFEB8_0000;
    private AmdViBridge _bridge = null!;
    private ulong _sink;
    private int _cursor;

    [GlobalSetup]
    public void Setup()
    {
        var memory = new PhysicalMemory([new MemoryRegion(0, 4UL << 30)]);
        var machine = new Machine(memory);
        _bridge = AmdViPlatform.Attach(machine, [new AmdViUnitConfig { Id = "ivhd0", MmioBase = Mmio }]);
        ulong next = 0x100_0000;
        ulong Page(int n = 1) { ulong p = next; next += 0x1000UL * (ulong)n; return p; }
        void W(ulong a, ulong v) => memory.TryWriteLe(a, 8, v);
        const ulong Rw = (1UL << 61) | (1UL << 62);                     // IR | IW
        static ulong Pde(ulong table, int nextLevel) => table | (ulong)nextLevel << 9 | Rw | 1;

        ulong deviceTable = Page(16);                                     // 16 pages: device IDs up to 0x7ff
        ulong top = Page();
        W(deviceTable + Rid * 32UL, 1 | 2 | 4UL << 9 | top | Rw);        // V, TV, Mode 4, root, IR, IW
        W(deviceTable + Rid * 32UL + 8, 1);                               // DomainID 1
        // Map 64 Ki pages at IOVA 0x1_0000_0000 + i*4K -> 0x4000_0000 + i*4K (levels 4..1).
        ulong l3 = Page();
        W(top + ((0x1_0000_0000UL >> 39) & 0x1FF) * 8, Pde(l3, 3));
        for (int i = 0; i < 65536; i++)
        {
            ulong iova = 0x1_0000_0000UL + (ulong)i * 0x1000;
            ulong l3e = l3 + ((iova >> 30) & 0x1FF) * 8;
            memory.TryReadLe(l3e, 8, out ulong l2);
            if (l2 == 0) { l2 = Pde(Page(), 2); W(l3e, l2); }
            ulong l2e = (l2 & 0x000F_FFFF_FFFF_F000UL) + ((iova >> 21) & 0x1FF) * 8;
            memory.TryReadLe(l2e, 8, out ulong l1);
            if (l1 == 0) { l1 = Pde(Page(), 1); W(l2e, l1); }
            W((l1 & 0x000F_FFFF_FFFF_F000UL) + ((iova >> 12) & 0x1FF) * 8, (0x4000_0000UL + (ulong)i * 0x1000) | Rw | 1);
        }
        machine.CpuWrite(Mmio + AmdViRegisterOffsets.DeviceTableBase, 8, deviceTable | 15);
        machine.CpuWrite(Mmio + AmdViRegisterOffsets.Control, 8, 1);      // IommuEn
        var probe = _bridge.Translate(new DmaRequest(0, Rid, 0x1_0000_0000UL, 64, DmaDirection.Read));
        if (probe.Address != 0x4000_0000UL) throw new InvalidOperationException($"benchmark setup: the first page translates to 0x{probe.Address:x} ({probe.Why})");
        _cursor = 0;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "warm IOTLB (256 pages)")]
    public ulong WarmIotlb()
    {
        var b = _bridge;
        ulong sum = 0;
        for (int i = 0; i < Batch; i++)
            sum += b.Translate(new DmaRequest(0, Rid, 0x1_0000_0000UL + (ulong)(i & 255) * 0x1000 + 0x40, 64, DmaDirection.Read)).Address;
        _sink = sum;
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "IOTLB miss, Mode-4 walk")]
    public ulong IotlbMissWalk()
    {
        var b = _bridge;
        ulong sum = 0;
        int c = _cursor;
        for (int i = 0; i < Batch; i++)
        {
            c = (c + 1) & 65535;
            sum += b.Translate(new DmaRequest(0, Rid, 0x1_0000_0000UL + (ulong)c * 0x1000, 64, DmaDirection.Write)).Address;
        }
        _cursor = c;
        _sink = sum;
        return sum;
    }

    public ulong Sink => _sink;
}
