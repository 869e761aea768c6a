using Conformance.Reference.Memory;

namespace Conformance.Reference.AmdVi;

/// <summary>§2.2.2.2 DTE IntCtl (bits 189:188): what happens to fixed and arbitrated interrupts.</summary>
public enum InterruptControl
{
    TargetAbort = 0,
    ForwardUnmapped = 1,
    Remap = 2,
    Reserved = 3,
}

/// <summary>
/// §2.2.2 "Device Table Entry Format": 256 bits, indexed by DeviceID (bus&lt;&lt;8 | devfn). Bit positions from Linux
/// amd_iommu_types.h DTE_* / DEV_ENTRY_* and the VBox DTE_T bit-range comments (hardware-models.md §2.2).
/// </summary>
public readonly record struct DeviceTableEntry(ulong Q0, ulong Q1, ulong Q2, ulong Q3)
{
    public const int Size = 32;

    public bool Valid => (Q0 & 1) != 0;
    public bool TranslationValid => (Q0 & 2) != 0;
    /// <summary>Mode 11:9: 0 = no translation (access by IR/IW), 1..6 = page-table levels, 7 reserved.</summary>
    public int Mode => (int)((Q0 >> 9) & 7);
    public ulong PageTableRoot => Q0 & AmdViRegisterOffsets.AddressMask;
    public bool PprEnable => (Q0 & 1UL << 52) != 0;
    public bool GuestIoProtection => (Q0 & 1UL << 54) != 0;
    public bool GuestValid => (Q0 & 1UL << 55) != 0;
    /// <summary>GLX 57:56: extra GCR3 table levels (3 reserved).</summary>
    public int GuestLevels => (int)((Q0 >> 56) & 3);
    /// <summary>GCR3 table root pointer, split over 60:58 (bits 14:12), 95:80 (30:15), 127:107 (51:31).</summary>
    public ulong GuestCr3TableRoot => ((Q0 >> 58) & 7) << 12 | ((Q1 >> 16) & 0xFFFF) << 15 | ((Q1 >> 43) & 0x1F_FFFF) << 31;
    public bool ReadPermission => (Q0 & 1UL << 61) != 0;
    public bool WritePermission => (Q0 & 1UL << 62) != 0;
    public ushort DomainId => (ushort)Q1;
    public bool IotlbEnable => (Q1 & 1UL << 32) != 0;
    public bool SuppressEvents => (Q1 & 1UL << 33) != 0;
    public bool SuppressAllEvents => (Q1 & 1UL << 34) != 0;
    /// <summary>EX 103: requests from this device may use the exclusion range.</summary>
    public bool Exclusion => (Q1 & 1UL << 39) != 0;
    /// <summary>GuestPagingMode 183:182 (q2 55:54, Linux DTE_GPT_LEVEL_SHIFT): 0 = 4-level, 1 = 5-level guest tables, 2..3 reserved.</summary>
    public int GuestPagingMode => (int)((Q2 >> 54) & 3);
    /// <summary>The guest page-table depth GuestPagingMode selects (4 or 5; 0 for a reserved encoding).</summary>
    public int GuestPageTableLevels => GuestPagingMode switch { 0 => 4, 1 => 5, _ => 0 };
    public bool InterruptMapValid => (Q2 & 1) != 0;
    /// <summary>IntTabLen 132:129: 2^IntTabLen entries; values above 11 are reserved.</summary>
    public int InterruptTableLengthField => (int)((Q2 >> 1) & 0xF);
    public ulong InterruptTableRoot => Q2 & 0x000F_FFFF_FFFF_FFC0;
    public bool InitPass => (Q2 & 1UL << 56) != 0;
    public bool ExtIntPass => (Q2 & 1UL << 57) != 0;
    public bool NmiPass => (Q2 & 1UL << 58) != 0;
    public InterruptControl InterruptControl => (InterruptControl)((Q2 >> 60) & 3);
    public bool Lint0Pass => (Q2 & 1UL << 62) != 0;
    public bool Lint1Pass => (Q2 & 1UL << 63) != 0;

    /// <summary>
    /// Reserved bits, checked per half as VBox does (bits 127:0 when V=1, bits 255:128 when IV=1), with QEMU's
    /// masks (amdvi_validate_dte: q0 6:2 and 63, q2 53:52, q3 14:0 and 53:48), plus the guest-translation fields when
    /// EFR.GTSup=0 (GV, GIoV are then reserved, §2.2.2.1), GLX=3, GLX above EFR.GLXSup, and with GV a reserved or unsupported
    /// GuestPagingMode.
    /// </summary>
    public string? ReservedProblem(ExtendedFeatureRegister efr)
    {
        if (Valid)
        {
            if ((Q0 & 0x7CUL) != 0) return "bits 6:2 are reserved";
            if ((Q0 & 1UL << 63) != 0) return "bit 63 is reserved";
            if (!efr.GuestTranslationSupported && (GuestValid || GuestIoProtection)) return "GV/GIoV set while EFR.GTSup=0";
            if (GuestValid && GuestLevels == 3) return "GLX=3 is reserved";
            if (GuestValid && GuestLevels > efr.GcrLevelsSupported) return $"GLX={GuestLevels} exceeds EFR.GLXSup={efr.GcrLevelsSupported}";
            // Guest paging mode (Linux nested.c: GPT level 0 or 1, 5-level only with host support, EFR.GATS).
            if (GuestValid && GuestPagingMode >= 2) return $"GuestPagingMode={GuestPagingMode} is reserved";
            if (GuestValid && GuestPageTableLevels > efr.GuestLevels) return $"5-level guest tables exceed EFR.GATS ({efr.GuestLevels} levels)";
        }
        if (InterruptMapValid)
        {
            if ((Q2 & 3UL << 52) != 0) return "bits 181:180 are reserved";
            if ((Q3 & 0x7FFFUL) != 0 || (Q3 & 0x3FUL << 48) != 0) return "bits 206:192 / 245:240 are reserved";
        }
        return null;
    }

    public static bool TryRead(PhysicalMemory memory, ulong address, out DeviceTableEntry entry)
    {
        entry = default;
        if (!memory.TryReadLe64(address, out ulong q0) || !memory.TryReadLe64(address + 8, out ulong q1)
            || !memory.TryReadLe64(address + 16, out ulong q2) || !memory.TryReadLe64(address + 24, out ulong q3))
            return false;
        entry = new DeviceTableEntry(q0, q1, q2, q3);
        return true;
    }
}
