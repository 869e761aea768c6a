namespace Conformance.Reference.Power;

/// <summary>
/// A TCE as Linux writes it (arch/powerpc/include/asm/tce.h, pci-ioda-tce.c): 8 bytes big-endian,
/// <c>(RPN &lt;&lt; page_shift) | TCE_PCI_WRITE (0x2) | TCE_PCI_READ (0x1)</c>. An indirect (upper-level) entry holds the
/// next level's address | R | W. 0 = no access.
/// </summary>
public readonly record struct Tce(ulong Raw)
{
    public const ulong ReadBit = 0x1;
    public const ulong WriteBit = 0x2;

    public bool Read => (Raw & ReadBit) != 0;
    public bool Write => (Raw & WriteBit) != 0;
    /// <summary>Any permission: an indirect entry is valid when R or W is set (QEMU pnv_phb4 "Invalid indirect TCE").</summary>
    public bool Valid => (Raw & 3) != 0;
    /// <summary>Next-level table address of an indirect entry.</summary>
    public ulong NextLevel => Raw & ~0xfffUL;
    /// <summary>The real page address for an IO page of 2^<paramref name="pageShift"/> bytes.</summary>
    public ulong PageAddress(int pageShift) => Raw & ~((1UL << pageShift) - 1);

    public static Tce Map(ulong realAddress, bool read, bool write) =>
        new(realAddress | (read ? ReadBit : 0) | (write ? WriteBit : 0));
}
