using System.Buffers.Binary;

namespace Conformance.Reference.Memory;

/// <summary>A declared range of host physical memory.</summary>
public readonly record struct MemoryRegion(ulong Base, ulong Size)
{
    public ulong End => Base + Size; // exclusive
    public bool Contains(ulong address, ulong length) =>
        address >= Base && length <= Size && address - Base <= Size - length;
}

/// <summary>
/// Host physical memory made of declared regions, sparse inside them: a 4 KiB page costs memory only once written
/// (an untouched page reads as zeros). Any address outside every region is unbacked: an access there fails, which a
/// device sees as a master abort and a hardware table walker turns into its architected fault. Nothing here throws
/// for an address software could produce; the <c>Try</c> methods answer false instead.
/// </summary>
public sealed class PhysicalMemory
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;

    private readonly MemoryRegion[] _regions;
    private readonly Dictionary<ulong, byte[]> _pages = new();
    // One-entry lookup cache: table walks and device DMA touch the same page repeatedly.
    private ulong _lastPfn = ulong.MaxValue;
    private byte[]? _lastPage;

    public PhysicalMemory(IEnumerable<MemoryRegion> regions)
    {
        _regions = regions.OrderBy(r => r.Base).ToArray();
        for (int i = 0; i < _regions.Length; i++)
        {
            var r = _regions[i];
            if (r.Size == 0) throw new ArgumentException($"memory region at 0x{r.Base:x} has size 0");
            if (r.Base + r.Size < r.Base && r.Base + r.Size != 0) throw new ArgumentException($"memory region at 0x{r.Base:x} wraps");
            if (i > 0 && _regions[i - 1].End > r.Base) throw new ArgumentException($"memory regions at 0x{_regions[i - 1].Base:x} and 0x{r.Base:x} overlap");
        }
    }

    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>Pages that have been written (the memory the model really holds).</summary>
    public int TouchedPages => _pages.Count;

    /// <summary>True when every byte of [address, address+length) lies in one declared region.</summary>
    public bool IsBacked(ulong address, ulong length)
    {
        if (length == 0) length = 1;
        foreach (var r in _regions)
        {
            if (r.Contains(address, length)) return true;
        }
        return false;
    }

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!IsBacked(address, (ulong)destination.Length)) return false;
        while (!destination.IsEmpty)
        {
            int offset = (int)(address & (PageSize - 1));
            int n = Math.Min(PageSize - offset, destination.Length);
            var page = FindPage(address >> PageShift);
            if (page is null) destination[..n].Clear();
            else page.AsSpan(offset, n).CopyTo(destination);
            destination = destination[n..];
            address += (ulong)n;
        }
        return true;
    }

    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!IsBacked(address, (ulong)source.Length)) return false;
        while (!source.IsEmpty)
        {
            int offset = (int)(address & (PageSize - 1));
            int n = Math.Min(PageSize - offset, source.Length);
            source[..n].CopyTo(GetOrAddPage(address >> PageShift).AsSpan(offset, n));
            source = source[n..];
            address += (ulong)n;
        }
        return true;
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes little-endian (x86 tables: VT-d, AMD-Vi).</summary>
    public bool TryReadLe(ulong address, int width, out ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        value = 0;
        if (!ValidWidth(width) || !TryRead(address, b[..width])) return false;
        value = BinaryPrimitives.ReadUInt64LittleEndian(b);
        return true;
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes big-endian (POWER TCE tables).</summary>
    public bool TryReadBe(ulong address, int width, out ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        value = 0;
        if (!ValidWidth(width) || !TryRead(address, b[..width])) return false;
        value = 0;
        for (int i = 0; i < width; i++) value = (value << 8) | b[i];
        return true;
    }

    public bool TryWriteLe(ulong address, int width, ulong value)
    {
        if (!ValidWidth(width)) return false;
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return TryWrite(address, b[..width]);
    }

    public bool TryWriteBe(ulong address, int width, ulong value)
    {
        if (!ValidWidth(width)) return false;
        Span<byte> b = stackalloc byte[8];
        for (int i = width - 1; i >= 0; i--) { b[i] = (byte)value; value >>= 8; }
        return TryWrite(address, b[..width]);
    }

    /// <summary>Fast path for an aligned 64-bit little-endian table entry (page-table walkers).</summary>
    public bool TryReadLe64(ulong address, out ulong value)
    {
        if ((address & 7) == 0)
        {
            ulong pfn = address >> PageShift;
            if (pfn == _lastPfn && _lastPage is not null)
            {
                value = BinaryPrimitives.ReadUInt64LittleEndian(_lastPage.AsSpan((int)(address & (PageSize - 1))));
                return true;
            }
        }
        return TryReadLe(address, 8, out value);
    }

    public bool TryReadBe64(ulong address, out ulong value) => TryReadBe(address, 8, out value);

    private static bool ValidWidth(int width) => width is 1 or 2 or 4 or 8;

    private byte[]? FindPage(ulong pfn)
    {
        if (pfn == _lastPfn) return _lastPage;
        if (_pages.TryGetValue(pfn, out var page))
        {
            _lastPfn = pfn;
            _lastPage = page;
        }
        return page;
    }

    private byte[] GetOrAddPage(ulong pfn)
    {
        if (pfn == _lastPfn && _lastPage is not null) return _lastPage;
        if (!_pages.TryGetValue(pfn, out var page))
        {
            page = new byte[PageSize];
            _pages[pfn] = page;
        }
        _lastPfn = pfn;
        _lastPage = page;
        return page;
    }
}
