namespace Conformance.Reference.Power;

/// <summary>MBT0 mode field (IODA3_MBT0_MODE).</summary>
public enum MbtMode { PeSegment = 0, Mdt = 1, SinglePe = 2, Reserved = 3 }

/// <summary>
/// IODA3 MBT entry (include/phb4-regs.h, IBM numbering). MBT0: ENABLE 0, TYPE 1 (1 = M32), MODE 2:3,
/// MDT_COLUMN/SEG_DIV 4:5, BASE_ADDR 8:51 (address bits 12..55). MBT1: ENABLE 0, MASK 8:51, SINGLE_PE_NUM 55:63.
/// </summary>
public readonly record struct MbtEntry(ulong Mbt0, ulong Mbt1)
{
    public const ulong AddressField = 0x00ff_ffff_ffff_f000;
    public const ulong EnableBit = 1UL << 63;

    public bool Enabled => (Mbt0 & EnableBit) != 0;
    public bool TypeM32 => (Mbt0 & (1UL << 62)) != 0;
    public MbtMode Mode => (MbtMode)((Mbt0 >> 60) & 3);
    public int MdtColumn => (int)((Mbt0 >> 58) & 3);
    public ulong Base => Mbt0 & AddressField;
    public ulong Mask => Mbt1 & AddressField;
    public int SinglePe => (int)(Mbt1 & 0x1ff);
    /// <summary>Bytes the BAR decodes (the complement of the mask within the address field).</summary>
    public ulong Size => Mask == 0 ? 0 : ((~Mask) & AddressField) + 0x1000;

    public bool Decodes(ulong address) => Enabled && Mask != 0 && (address & Mask) == Base;

    public MbtEntry WithMode(MbtMode mode) => this with { Mbt0 = (Mbt0 & ~(3UL << 60)) | ((ulong)mode << 60) };
    public MbtEntry WithColumn(int column) => this with { Mbt0 = (Mbt0 & ~(3UL << 58)) | ((ulong)(column & 3) << 58) };
    public MbtEntry WithBase(ulong address) => this with { Mbt0 = (Mbt0 & ~AddressField) | (address & AddressField) };
    public MbtEntry WithMask(ulong mask) => this with { Mbt1 = (Mbt1 & ~AddressField) | (mask & AddressField) };
    public MbtEntry WithSinglePe(int pe) => this with { Mbt1 = (Mbt1 & ~0x1ffUL) | ((ulong)pe & 0x1ff) };
    public MbtEntry Enable() => new(Mbt0 | EnableBit, Mbt1 | EnableBit);
}

/// <summary>
/// The M64 BARs (MBT entries 1..mbt_size-1; entry 0 is the M32 BAR). Split mode divides a BAR into <c>num_pe</c>
/// segments owned by PE# = segment# (PE_SEG) or by an MDT column; single-PE mode gives the whole BAR to one PE.
/// Settings are cached by OPAL_PCI_SET_PHB_MEM_WINDOW / MAP_PE_MMIO_WINDOW and reach the hardware only when
/// OPAL_PCI_PHB_MMIO_ENABLE enables them (skiboot <c>phb4_phb_mmio_enable</c>).
/// </summary>
public sealed class M64BarTable
{
    private readonly MbtEntry[] _cache;
    private readonly MbtEntry[] _hw;

    public M64BarTable(int mbtSize)
    {
        _cache = new MbtEntry[mbtSize];
        _hw = new MbtEntry[mbtSize];
        Reset();
    }

    public int Size => _cache.Length;

    /// <summary>The firmware's cached value (what set_phb_mem_window and map_pe_mmio_window edit).</summary>
    public MbtEntry Cached(int index) => _cache[index];

    /// <summary>The value in hardware (what decodes).</summary>
    public MbtEntry Hardware(int index) => _hw[index];

    public void SetCached(int index, MbtEntry entry) => _cache[index] = entry;

    public void Commit(int index) => _hw[index] = _cache[index];

    /// <summary>skiboot <c>phb4_default_mbt0</c>: the last three BARs in MDT mode on columns 3, 2, 1; the rest PE_SEG.</summary>
    public MbtEntry Default(int index)
    {
        int fromLast = _cache.Length - index - 1;
        var e = new MbtEntry(0, 0);
        return fromLast switch
        {
            0 => e.WithMode(MbtMode.Mdt).WithColumn(3),
            1 => e.WithMode(MbtMode.Mdt).WithColumn(2),
            2 => e.WithMode(MbtMode.Mdt).WithColumn(1),
            _ => e.WithMode(MbtMode.PeSegment),
        };
    }

    /// <summary>Defaults for BARs 1..N, disabled, in cache and hardware.</summary>
    public void Reset()
    {
        for (int i = 1; i < _cache.Length; i++) _cache[i] = _hw[i] = Default(i);
    }

    /// <summary>Restores the hardware from the cache (skiboot ioda_reset without purge).</summary>
    public void RestoreFromCache()
    {
        for (int i = 1; i < _cache.Length; i++) _hw[i] = _cache[i];
    }

    /// <summary>Finds the enabled M64 BAR that decodes <paramref name="address"/> and the PE that owns it.</summary>
    public bool TryDecode(ulong address, int numPes, MemoryDomainTable mdt, out int bar, out int pe)
    {
        for (int i = 1; i < _hw.Length; i++)
        {
            var e = _hw[i];
            if (!e.Decodes(address)) continue;
            bar = i;
            ulong segSize = Math.Max(1UL, e.Size / (ulong)numPes);
            int segment = (int)Math.Min((ulong)(numPes - 1), (address - e.Base) / segSize);
            switch (e.Mode)
            {
                case MbtMode.PeSegment: pe = segment; return true;
                case MbtMode.Mdt: pe = mdt[segment].Column(e.MdtColumn); return true;
                case MbtMode.SinglePe: pe = e.SinglePe; return true;
                default: continue; // mode 3 is reserved: the BAR does not claim the access
            }
        }
        bar = -1;
        pe = -1;
        return false;
    }
}
