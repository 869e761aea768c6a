namespace Conformance.Adapters.AmdVi;

/// <summary>AMD IOMMU spec (#48882) §3.4: the MMIO offsets and bits this driver uses (the adapter's own copy: it
/// sees only the architected interface, never the reference model's types; Linux amd_iommu_types.h names).</summary>
internal static class AmdViRegisters
{
    public const ulong DeviceTableBase = 0x0000, CommandBufferBase = 0x0008, EventLogBase = 0x0010, Control = 0x0018;
    public const ulong ExtendedFeature = 0x0030;
    public const ulong CommandHead = 0x2000, CommandTail = 0x2008, EventHead = 0x2010, EventTail = 0x2018, Status = 0x2020;

    // §3.4.4 Control (CONTROL_*_EN).
    public const ulong IommuEnable = 1UL << 0, EventLogEnable = 1UL << 2, CommandBufferEnable = 1UL << 12;
    /// <summary>Control.GTEn (CONTROL_GT_EN 16): guest (v2) translation, allowed only with EFR.GTSup.</summary>
    public const ulong GuestTranslationEnable = 1UL << 16;

    // §3.4.11 Status.
    public const ulong CommandBufferRun = 1UL << 4;

    /// <summary>§3.4.2/§3.4.3: ComLen / EventLen 59:56 = 8: 256 entries of 16 bytes, one 4 KiB page.</summary>
    public const ulong RingLength256 = 8UL << 56;

    // §3.4.7 EFR (FEATURE_IA 6, FEATURE_HATS 11:10).
    public static bool InvalidateAll(ulong efr) => (efr & (1UL << 6)) != 0;
    public static int HostLevels(ulong efr) => 4 + (int)((efr >> 10) & 3);
    /// <summary>EFR.GTSup (FEATURE_GT, bit 4): two-level (guest) translation.</summary>
    public static bool GuestTranslation(ulong efr) => (efr & (1UL << 4)) != 0;
}

/// <summary>§2.2.2 device table entry (256 bits, four qwords; DeviceID = bus &lt;&lt; 8 | devfn) fields this driver writes
/// (Linux DTE_FLAG_V/TV/IR/IW, DEV_ENTRY_MODE, DTE_IRQ_*).</summary>
internal static class AmdViDte
{
    public const int Size = 32;
    public const ulong V = 1UL << 0, Tv = 1UL << 1, Ir = 1UL << 61, Iw = 1UL << 62;
    public const ulong Iv = 1UL << 0;
    /// <summary>IntTabLen 4:1 = 9: 512 32-bit IRTEs (Linux DTE_INTTABLEN, MAX_IRQS_PER_TABLE 512).</summary>
    public const int IntTabLenValue = 9;
    public const int IrteCount = 1 << IntTabLenValue;

    /// <summary>Q0 of a translating entry: V, TV, Mode (levels) 11:9, root 51:12, IR, IW.</summary>
    public static ulong Translating(ulong root, int levels) => V | Tv | ((ulong)levels << 9) | (root & AddressMask) | Ir | Iw;

    /// <summary>Q0 of a blocking entry (Linux clear_dte_entry): V = 1, TV = 1, Mode 0, IR = IW = 0: every DMA faults.</summary>
    public const ulong Blocked = V | Tv;

    /// <summary>Q2 remapping through a table: IV, IntTabLen, IntTabRoot 51:6, IntCtl 61:60 = 2 (remapped).</summary>
    public static ulong Remapped(ulong table) => Iv | ((ulong)IntTabLenValue << 1) | (table & 0x000F_FFFF_FFFF_FFC0UL) | (2UL << 60);

    /// <summary>Q2 with IV = 1 and IntCtl = 0: fixed and arbitrated interrupts are target-aborted; nothing passes unremapped.</summary>
    public const ulong InterruptsAborted = Iv;

    public const ulong AddressMask = 0x000F_FFFF_FFFF_F000UL;

    /// <summary>GIoV 54 (DTE_FLAG_GIOV): requests without a PASID are translated as PASID 0 through the guest tables.</summary>
    public const ulong Giov = 1UL << 54;
    /// <summary>GV 55 (DTE_FLAG_GV): the GCR3 fields are valid (guest translation enabled for the device).</summary>
    public const ulong Gv = 1UL << 55;

    /// <summary>
    /// Q0 and Q1 of a nested (two-level) entry, as Linux set_dte_gcr3_table writes them: the v1 (host) fields of
    /// <see cref="Translating"/> kept as the second level, GV, GIoV, GLX 57:56 = 0 (a one-level GCR3 table), and the
    /// GCR3 table root split over Q0 60:58 (bits 14:12), Q1 31:16 (30:15) and Q1 63:43 (51:31) (DTE_GCR3_14_12,
    /// DTE_GCR3_30_15, DTE_GCR3_51_31); Q1 15:0 the domain ID.
    /// </summary>
    public static (ulong Q0, ulong Q1) Nested(ulong hostRoot, int levels, ulong gcr3Root, ushort domainId) =>
        (Translating(hostRoot, levels) | Gv | Giov | ((gcr3Root >> 12) & 7) << 58,
         domainId | ((gcr3Root >> 15) & 0xFFFF) << 16 | ((gcr3Root >> 31) & 0x1F_FFFF) << 43);
}

/// <summary>§2.4: the 128-bit commands this driver queues (Linux build_completion_wait, build_inv_dte,
/// build_inv_iommu_pages, build_inv_irt, build_inv_all). The opcode is in bits 63:60.</summary>
internal static class AmdViCommands
{
    private static ulong Op(int opcode) => (ulong)opcode << 60;

    /// <summary>§2.4.1 COMPLETION_WAIT with S: the unit stores <paramref name="data"/> at <paramref name="address"/> once every earlier command completed.</summary>
    public static (ulong Q0, ulong Q1) CompletionWait(ulong address, ulong data) => (Op(1) | (address & 0x000F_FFFF_FFFF_FFF8UL) | 1UL, data);

    /// <summary>§2.4.2 INVALIDATE_DEVTAB_ENTRY.</summary>
    public static (ulong Q0, ulong Q1) InvalidateDte(ushort deviceId) => (Op(2) | deviceId, 0);

    /// <summary>§2.4.3 INVALIDATE_IOMMU_PAGES for a domain: S = 0 one page; S = 1 a naturally aligned power-of-two range
    /// whose size is encoded by the low address bits (Linux build_inv_address); PDE = 1 as Linux sets it.</summary>
    public static (ulong Q0, ulong Q1) InvalidatePages(ushort domainId, ulong address, ulong size)
    {
        ulong last = address + size - 1;
        ulong q1;
        if (size <= 0x1000 && (address >> 12) == (last >> 12)) q1 = address & ~0xFFFUL;
        else
        {
            int msb = 63 - System.Numerics.BitOperations.LeadingZeroCount(address ^ last); // highest differing bit
            if (msb >= 62) q1 = AllPages;
            else
            {
                ulong block = 1UL << (msb + 1);
                q1 = ((address & ~(block - 1)) | ((block >> 1) - 1)) & ~0xFFFUL | 1UL;
            }
        }
        return (Op(3) | ((ulong)domainId << 32), q1 | 2UL);
    }

    /// <summary>§2.4.3 INVALIDATE_IOMMU_PAGES with GN = 1 (Linux build_inv_iommu_pages with gn, CMD_INV_IOMMU_PAGES_GN_MASK
    /// Q1 bit 2): the guest translations of (<paramref name="domainId"/>, <paramref name="pasid"/>) in the guest-virtual
    /// range, PASID in Q0 19:0. Size 0 means every page.</summary>
    public static (ulong Q0, ulong Q1) InvalidateGuestPages(ushort domainId, uint pasid, ulong address, ulong size)
    {
        var (q0, q1) = size == 0 ? InvalidateDomain(domainId) : InvalidatePages(domainId, address, size);
        return (q0 | (pasid & 0xF_FFFF), q1 | 4UL);
    }

    /// <summary>Every page of the domain: S = 1, address 0x7FFF_FFFF_FFFF_F000 (Linux CMD_INV_IOMMU_ALL_PAGES_ADDRESS).</summary>
    public static (ulong Q0, ulong Q1) InvalidateDomain(ushort domainId) => (Op(3) | ((ulong)domainId << 32), AllPages | 2UL);

    private const ulong AllPages = 0x7FFF_FFFF_FFFF_F000UL | 1UL;

    /// <summary>§2.4.5 INVALIDATE_INTERRUPT_TABLE.</summary>
    public static (ulong Q0, ulong Q1) InvalidateInterruptTable(ushort deviceId) => (Op(5) | deviceId, 0);

    /// <summary>§2.4.8 INVALIDATE_IOMMU_ALL (EFR.IASup).</summary>
    public static (ulong Q0, ulong Q1) InvalidateAll() => (Op(8), 0);
}
