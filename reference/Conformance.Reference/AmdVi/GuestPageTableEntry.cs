namespace Conformance.Reference.AmdVi;

/// <summary>
/// §2.2.6 guest (v2) page-table entry: the x86-64 long-mode format (AMD APM vol. 2 §5.3; Linux io_pgtable_v2.c
/// IOMMU_PAGE_*): P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5, D 6, PS 7 (a 2 MiB page at level 2, 1 GiB at level 3), address
/// 51:12, NX 63.
/// </summary>
public readonly record struct GuestPageTableEntry(ulong Raw)
{
    public bool Present => (Raw & 1) != 0;
    public bool Writable => (Raw & 2) != 0;
    public bool User => (Raw & 4) != 0;
    public bool Accessed => (Raw & 0x20) != 0;
    public bool Dirty => (Raw & 0x40) != 0;
    public bool PageSize => (Raw & 0x80) != 0;
    public bool NoExecute => (Raw & 1UL << 63) != 0;
    public ulong Address => Raw & AmdViRegisterOffsets.AddressMask;

    /// <summary>
    /// Reserved bits for an entry at <paramref name="level"/> (APM §5.3.1 "reserved" fields): PS at levels 4 and 5;
    /// in a 1 GiB page bits 29:13, in a 2 MiB page bits 20:13 (bit 12 is PAT there). Bits 62:52 are available to software.
    /// </summary>
    public string? ReservedProblem(int level)
    {
        if (PageSize && level >= 4) return $"PS is reserved at level {level}";
        if (PageSize && level == 3 && (Raw & 0x3FFF_E000UL) != 0) return "bits 29:13 of a 1 GiB page are reserved";
        if (PageSize && level == 2 && (Raw & 0x1F_E000UL) != 0) return "bits 20:13 of a 2 MiB page are reserved";
        return null;
    }
}
