namespace Conformance.Reference.Power;

/// <summary>
/// IODA3 MDT entry (include/phb4-regs.h): four 16-bit PE columns, PE_A 0:15, PE_B 16:31, PE_C 32:47, PE_D 48:63
/// (IBM numbering). Column A maps the M32 window's segments (OPAL_PCI_MAP_PE_MMIO_WINDOW, M32); columns B..D serve
/// the last three M64 BARs, identity (segment# = PE#) by default.
/// </summary>
public readonly record struct MdtEntry(ulong Raw)
{
    public int PeA => Column(0);
    public int PeB => Column(1);
    public int PeC => Column(2);
    public int PeD => Column(3);
    public int Column(int column) => (int)((Raw >> (48 - 16 * column)) & 0xffff);
    public MdtEntry WithColumn(int column, int pe) =>
        new((Raw & ~(0xffffUL << (48 - 16 * column))) | ((ulong)(pe & 0xffff) << (48 - 16 * column)));
}

/// <summary>
/// The M32 window and its Memory Domain Table: the window is split into <c>num_pe</c> equal segments, and MDT[segment]
/// column A names the PE that owns each (skiboot <c>phb4_map_pe_mmio_window</c>, M32: MBT[0] in MDT mode, column A;
/// Linux <c>pnv_ioda_setup_pe_res</c>: <c>segment = (bus_addr - m32_pci_base) / m32_segsize</c>).
/// </summary>
public sealed class MemoryDomainTable
{
    private readonly MdtEntry[] _mdt;

    public MemoryDomainTable(int numPes)
    {
        _mdt = new MdtEntry[numPes];
        Reset();
    }

    public int Count => _mdt.Length;

    public MdtEntry this[int segment]
    {
        get => _mdt[segment];
        set => _mdt[segment] = value;
    }

    /// <summary>skiboot <c>phb4_init_ioda_cache</c>: columns B, C, D identity; column A (M32) 0.</summary>
    public void Reset()
    {
        for (int i = 0; i < _mdt.Length; i++)
            _mdt[i] = new MdtEntry(0).WithColumn(1, i).WithColumn(2, i).WithColumn(3, i);
    }

    /// <summary>The PE that owns M32 segment <paramref name="segment"/>.</summary>
    public int M32Pe(int segment) => _mdt[segment].PeA;
}
