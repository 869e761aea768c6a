namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §9.8 Second-Level Paging Entries (legacy mode): SL-PML5E down to SL-PTE, 64 bits each.</summary>
public readonly record struct SecondLevelPagingEntry(ulong Raw)
{
    public bool Read => (Raw & 1) != 0;
    public bool Write => (Raw & 2) != 0;
    /// <summary>PS (bit 7): this SL-PDE (2 MiB) or SL-PDPE (1 GiB) maps a page.</summary>
    public bool PageSize => (Raw & 0x80) != 0;
    public ulong Address(int haw) => Raw & VtdBits.Mask(haw) & ~0xFFFUL;

    /// <summary>Bits software may use (ignored by hardware): 63 and 61:52 (QEMU VTD_SL_IGN_COM).</summary>
    public const ulong Ignored = 0xBFF0_0000_0000_0000UL;

    /// <summary>
    /// Reserved bits at <paramref name="level"/> (1 = SL-PTE ... 5 = SL-PML5E) as QEMU's VTD_SPTE_*_RSVD_MASK: bits
    /// HAW..51 and 62 (TM, needs ECAP.DT) everywhere; bit 11 (SNP, needs ECAP.SC) everywhere; bit 7 (PS) at levels 4
    /// and 5 and where the page size is not in CAP.SLLPS; a large page's address bits below its size.
    /// </summary>
    public bool HasReservedBits(int level, int haw, bool supports2M, bool supports1G)
    {
        ulong common = 0x800UL | ~(VtdBits.Mask(haw) | Ignored);
        ulong mask = level switch
        {
            1 => common,
            2 => PageSize ? (supports2M ? 0x1F_F800UL | common : ulong.MaxValue) : common,
            3 => PageSize ? (supports1G ? 0x3FFF_F800UL | common : ulong.MaxValue) : common,
            _ => 0x880UL | common,
        };
        return (Raw & mask) != 0;
    }
}
