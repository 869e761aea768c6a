using System.Numerics;
using Conformance.Reference.Memory;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

/// <summary>
/// Builds a TCE table in simulated memory the way Linux pci-ioda-tce.c does: every level the same size
/// (<paramref name="levelBytes"/>), 8-byte big-endian entries, indirect entries = next level | R | W, lower levels
/// allocated on demand from a bump allocator.
/// </summary>
public sealed class TceTableBuilder
{
    private readonly PhysicalMemory _memory;
    private ulong _next;

    public TceTableBuilder(PhysicalMemory memory, ulong arenaBase, int levels, ulong levelBytes, ulong pageSize)
    {
        _memory = memory;
        Levels = levels;
        LevelBytes = levelBytes;
        PageSize = pageSize;
        _next = arenaBase;
        Root = Allocate();
    }

    public ulong Root { get; }
    public int Levels { get; }
    public ulong LevelBytes { get; }
    public ulong PageSize { get; }
    public int PageShift => BitOperations.Log2(PageSize);
    public int EntriesShift => BitOperations.Log2(LevelBytes / 8);
    /// <summary>Bytes of IO address space the window covers: page × entries^levels.</summary>
    public ulong WindowSize => EntriesShift * Levels + PageShift >= 64 ? ulong.MaxValue : 1UL << (EntriesShift * Levels + PageShift);

    private ulong Allocate()
    {
        ulong at = (_next + LevelBytes - 1) & ~(LevelBytes - 1); // naturally aligned, as alloc_pages_node gives
        _next = at + LevelBytes;
        return at;
    }

    /// <summary>The address of the leaf TCE for <paramref name="offset"/>, creating indirect levels on the way.</summary>
    public ulong LeafAddress(ulong offset)
    {
        ulong table = Root;
        for (int level = Levels; level >= 1; level--)
        {
            int shift = EntriesShift * (level - 1) + PageShift;
            ulong index = (offset >> shift) & ((1UL << EntriesShift) - 1);
            ulong entry = table + index * 8;
            if (level == 1) return entry;
            Assert.True(_memory.TryReadBe64(entry, out ulong raw));
            if ((raw & 3) == 0)
            {
                ulong next = Allocate();
                raw = next | Tce.ReadBit | Tce.WriteBit;
                Assert.True(_memory.TryWriteBe(entry, 8, raw));
            }
            table = raw & ~0xfffUL;
        }
        throw new InvalidOperationException("unreachable");
    }

    public TceTableBuilder Map(ulong offset, ulong realAddress, bool read = true, bool write = true)
    {
        Assert.True(_memory.TryWriteBe(LeafAddress(offset), 8, Tce.Map(realAddress & ~(PageSize - 1), read, write).Raw));
        return this;
    }

    public TceTableBuilder WriteRaw(ulong offset, ulong rawTce)
    {
        Assert.True(_memory.TryWriteBe(LeafAddress(offset), 8, rawTce));
        return this;
    }
}
