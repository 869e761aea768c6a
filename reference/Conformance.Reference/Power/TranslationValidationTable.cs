namespace Conformance.Reference.Power;

/// <summary>
/// IODA3 TVE (include/phb4-regs.h, IBM bit numbering: bit 0 is the MSB). Translating form: TABLE_ADDR 0:47 (address
/// &gt;&gt; 12), NUM_LEVELS 48:50 (levels - 1), TCE_TABLE_SIZE 51:55 (log2(level bytes) - 11), NON_TRANSLATE_50 56,
/// IO_PSIZE 59:63 (log2(page) - 11; 0 = non-translating). Non-translating form (map_pe_dma_window_real): start
/// address bits 49:24 in 52:53||0:23, end address bits 49:24 in 54:55||24:47, bit 51 set.
/// </summary>
public readonly record struct Tve(ulong Raw)
{
    public static Tve Disabled => new(0);

    public ulong TableAddress => (Raw >> 16) << 12;
    public int Levels => (int)((Raw >> 13) & 7) + 1;
    public int TceTableSize => (int)((Raw >> 8) & 0x1f);
    public bool NonTranslate50 => (Raw & (1UL << 7)) != 0;
    public int IoPageSize => (int)(Raw & 0x1f);

    /// <summary>QEMU pnv_phb4: a TVE whose TCE_TABLE_SIZE field is 0 is invalid (covers the all-zero disabled TVE).</summary>
    public bool Valid => TceTableSize != 0;

    /// <summary>IO_PSIZE 0 with a valid entry: a non-translating (bypass) window.</summary>
    public bool NonTranslating => Valid && IoPageSize == 0;

    /// <summary>Start of a non-translating window (address bits 49:24).</summary>
    public ulong BypassStart => (((Raw >> 40) & 0xff_ffff) << 24) | (((Raw >> 10) & 3) << 48);

    /// <summary>End (exclusive) of a non-translating window (address bits 49:24).</summary>
    public ulong BypassEnd => (((Raw >> 16) & 0xff_ffff) << 24) | (((Raw >> 8) & 3) << 48);

    /// <summary>The translating TVE skiboot's <c>phb4_map_pe_dma_window</c> writes.</summary>
    public static Tve Translating(ulong tableAddress, int levels, int tableSizeEncoded, int ioPageSizeEncoded) =>
        new(((tableAddress >> 12) << 16) | ((ulong)(uint)((levels - 1) & 7) << 13) | ((ulong)(uint)(tableSizeEncoded & 0x1f) << 8)
            | (ulong)(uint)(ioPageSizeEncoded & 0x1f));

    /// <summary>The non-translating TVE skiboot's <c>phb4_map_pe_dma_window_real</c> writes (bit 59 already stripped).</summary>
    public static Tve Bypass(ulong start, ulong end) =>
        new(((start << 16) & (0xff_ffffUL << 40)) | ((start >> 38) & (3UL << 10))
            | ((end >> 8) & (0xff_ffffUL << 16)) | ((end >> 40) & (3UL << 8))
            | (1UL << 12) /* bit 51 */ | (1UL << 7) /* NON_TRANSLATE_50 */);
}

/// <summary>
/// IODA3 TVT: two TVEs per PE (PHB4 in TVT_2_PER_PE mode), index <c>pe*2 + PCI address bit 59</c>. Written directly
/// to hardware by OPAL_PCI_MAP_PE_DMA_WINDOW(_REAL); writing a TVE does not touch the TCE cache.
/// </summary>
public sealed class TranslationValidationTable
{
    private readonly Tve[] _tve;

    public TranslationValidationTable(int numPes) => _tve = new Tve[numPes * 2];

    public int Count => _tve.Length;

    public Tve this[int index]
    {
        get => _tve[index];
        set => _tve[index] = value;
    }

    public static int IndexFor(int pe, ulong pciAddress) => pe * 2 + (int)((pciAddress >> 59) & 1);

    public void Clear() => Array.Clear(_tve);
}
