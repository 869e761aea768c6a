using BenchmarkDotNet.Attributes;
using Conformance.Adapters;
using Conformance.Adapters.IntelVtd;
using Conformance.Suite.Machine;

namespace Conformance.Benchmarks;

/// <summary>
/// The VT-d reference adapter's map + unmap + invalidate cycle, one 4 KiB page each, through the host face on the
/// suite's intel-vtd machine: map writes the second-level entry (tables already built after the first round),
/// unmap clears it, queues a page-selective IOTLB invalidation and a wait descriptor, and polls (Relax) until the
/// unit has written the wait status. One operation = one map + one unmap (with its completed invalidation).
/// </summary>
[MemoryDiagnoser]
public class VtdAdapterBenchmarks
{
    private const int Batch = 256;
    private const ulong IovaBase = 0x1_0000_0000;
    private IHostAdapter _adapter = null!;
    private IFullSpaceDma _dma = null!;

    [GlobalSetup]
    public void Setup()
    {
        var scenario = new Scenario(1, new IntelVtdPlatform());
        _adapter = new VtdAdapterFactory().Create(scenario.Access);
        var guest = _adapter.CreateGuestAsync(new GuestConfig("bench", 1UL << 20, [1]), CancellationToken.None).AsTask().GetAwaiter().GetResult().Value;
        var group = scenario.Facts.GroupOf(ScenarioTopology.Solo)!.Id;
        if (!guest.AttachGroupAsync(group, CancellationToken.None).AsTask().GetAwaiter().GetResult().IsOk) throw new InvalidOperationException("attach failed");
        _dma = guest.FullSpace!;
        MapUnmapInvalidate().GetAwaiter().GetResult(); // build the page tables once
    }

    [GlobalCleanup]
    public void Cleanup() => _adapter.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Batch, Description = "map + unmap + IOTLB invalidation (4 KiB)")]
    public async Task<ulong> MapUnmapInvalidate()
    {
        ulong total = 0;
        for (int i = 0; i < Batch; i++)
        {
            ulong iova = IovaBase + (ulong)i * 0x1000;
            var m = await _dma.MapAsync(iova, (ulong)(i & 255) * 0x1000, 0x1000, DmaAccess.ReadWrite, CancellationToken.None).ConfigureAwait(false);
            if (!m.IsOk) throw new InvalidOperationException("map failed: " + m.Error);
            var u = await _dma.UnmapAsync(iova, 0x1000, CancellationToken.None).ConfigureAwait(false);
            if (!u.IsOk) throw new InvalidOperationException("unmap failed: " + u.Error);
            total += u.Value;
        }
        return total;
    }
}
