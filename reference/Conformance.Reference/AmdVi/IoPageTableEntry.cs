namespace Conformance.Reference.AmdVi;

/// <summary>
/// §2.2.3 "I/O Page Tables for Host Translations" (v1 format): PDE/PTE, 64 bits. PR 0, A 5, D 6, NextLevel 11:9,
/// address 51:12, U 59, FC 60, IR 61, IW 62 (QEMU AMDVI_DEV_* / Linux IOMMU_PTE_*).
/// </summary>
public readonly record struct IoPageTableEntry(ulong Raw)
{
    public bool Present => (Raw & 1) != 0;
    /// <summary>NextLevel 11:9: 0 = this entry maps a page of this level's size, 7 = page-size encoded in the address.</summary>
    public int NextLevel => (int)((Raw >> 9) & 7);
    public ulong Address => Raw & AmdViRegisterOffsets.AddressMask;
    public bool ReadPermission => (Raw & 1UL << 61) != 0;
    public bool WritePermission => (Raw & 1UL << 62) != 0;

    /// <summary>
    /// §2.2.3.2 "Table 14: Example Page Size Encodings": with NextLevel=7 the page size is 2^(13 + the number of
    /// consecutive ones in the address from bit 12 up).
    /// </summary>
    public int EncodedPageShift => 1 + System.Numerics.BitOperations.TrailingZeroCount(~(Raw | 0xFFF));
}
