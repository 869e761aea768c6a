using Conformance.Reference.Memory;

namespace Conformance.Reference.Power;

/// <summary>Why a DMA translation failed: the model's diagnostic (software sees only the PE freeze and the PEST).</summary>
public enum TceFault
{
    None,
    /// <summary>The TVE is disabled or malformed (TCE_TABLE_SIZE 0).</summary>
    TveInvalid,
    /// <summary>NUM_LEVELS gives more than 5 levels.</summary>
    LevelsInvalid,
    /// <summary>IO_PSIZE is not one of PHB4's 4K, 64K, 2M, 1G.</summary>
    PageSizeUnsupported,
    /// <summary>The address is beyond the window the TVE describes.</summary>
    OutOfWindow,
    /// <summary>A TCE fetch went to unbacked memory.</summary>
    TableFetchFailed,
    /// <summary>An indirect TCE has neither R nor W.</summary>
    IndirectInvalid,
    /// <summary>The leaf TCE has neither R nor W (TCE page fault).</summary>
    TceInvalid,
    /// <summary>A read through a TCE without R (TCE access fault).</summary>
    ReadDenied,
    /// <summary>A write through a TCE without W (TCE access fault).</summary>
    WriteDenied,
    /// <summary>The PCI address has a top nibble the PHB does not accept for DMA.</summary>
    AddressInvalid,
}

/// <summary>Outcome of a TCE table walk: the leaf TCE, or the step that failed.</summary>
public readonly record struct TceWalkResult(TceFault Fault, Tce Tce, int PageShift, string Why)
{
    public bool Ok => Fault == TceFault.None;
}

/// <summary>
/// The PHB4 TCE table walk for a translating TVE (IODA3; QEMU hw/pci-host/pnv_phb4.c <c>pnv_phb4_translate_tve</c>;
/// Linux pci-ioda-tce.c builds the tables). Every level has 2^(TCE_TABLE_SIZE+8) entries of 8 bytes, big-endian;
/// the root is indexed by the top index bits. Window span = page × entries^levels.
/// </summary>
public static class TceTableWalk
{
    public const int MaxLevels = 5;

    /// <summary>PHB4 IO page sizes: IO_PSIZE 1, 5, 10, 19 = 4K, 64K, 2M, 1G (skiboot phb4_map_pe_dma_window).</summary>
    public static bool IsSupportedIoPageSize(int ioPsize) => ioPsize is 1 or 5 or 10 or 19;

    /// <summary>log2 of the window span in bytes, or ≥ 64 when the window covers the whole offset space.</summary>
    public static int SpanBits(Tve tve) => (tve.TceTableSize + 8) * tve.Levels + tve.IoPageSize + 11;

    /// <summary>Walks the tables of <paramref name="tve"/> for the window offset <paramref name="offset"/> (bit 59 stripped).</summary>
    public static TceWalkResult Walk(Tve tve, ulong offset, PhysicalMemory memory)
    {
        // 1. The TVE must be valid.
        if (!tve.Valid) return Fail(TceFault.TveInvalid, $"TVE 0x{tve.Raw:x16} is not valid (TCE_TABLE_SIZE 0)");
        // 2. NUM_LEVELS: 1..5 levels.
        int levels = tve.Levels;
        if (levels > MaxLevels) return Fail(TceFault.LevelsInvalid, $"TVE gives {levels} levels (at most {MaxLevels})");
        // 3. IO page size must be one PHB4 supports.
        if (!IsSupportedIoPageSize(tve.IoPageSize))
            return Fail(TceFault.PageSizeUnsupported, $"IO_PSIZE {tve.IoPageSize} is not a PHB4 IO page size");
        int pageShift = tve.IoPageSize + 11;
        int tableShift = tve.TceTableSize + 8;
        // 4. The offset must lie inside the window.
        int span = SpanBits(tve);
        if (span < 64 && (offset >> span) != 0)
            return Fail(TceFault.OutOfWindow, $"offset 0x{offset:x} is beyond the 2^{span}-byte window", pageShift);
        // 5. Walk from the root: each level is indexed by the next tableShift bits above the page offset.
        ulong indexMask = (1UL << tableShift) - 1;
        ulong tableBase = tve.TableAddress;
        int shift = tableShift * (levels - 1) + pageShift;
        Tce tce = default;
        for (int level = levels; level >= 1; level--)
        {
            ulong index = Shr(offset, shift) & indexMask;
            ulong entryAddress = tableBase | (index << 3); // the PHB concatenates base and index (no alignment check)
            if (!memory.TryReadBe64(entryAddress, out ulong raw))
                return Fail(TceFault.TableFetchFailed, $"level {level} TCE fetch at 0x{entryAddress:x} is not backed", pageShift);
            tce = new Tce(raw);
            if (level > 1)
            {
                if (!tce.Valid)
                    return Fail(TceFault.IndirectInvalid, $"level {level} indirect TCE 0x{raw:x} at 0x{entryAddress:x} has no R/W", pageShift);
                tableBase = tce.NextLevel;
                shift -= tableShift;
            }
            else if (!tce.Valid)
            {
                return Fail(TceFault.TceInvalid, $"TCE 0x{raw:x} at 0x{entryAddress:x} has no R/W", pageShift);
            }
        }
        return new TceWalkResult(TceFault.None, tce, pageShift, "");
    }

    private static ulong Shr(ulong value, int shift) => shift >= 64 ? 0 : value >> shift;

    private static TceWalkResult Fail(TceFault fault, string why, int pageShift = 12) => new(fault, default, pageShift, why);
}
