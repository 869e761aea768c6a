namespace Conformance.Reference.AmdVi;

/// <summary>
/// §3.4.7 Extended Feature Register (MMIO 0x30), as the unit's configuration implies it. Bit positions from
/// Linux amd_iommu_types.h FEATURE_* (PREF 0, PPR 1, XT 2, NX 3, GT 4, IA 6, GA 7, HE 8, PC 9, HATS 11:10,
/// GATS 13:12, GLX 15:14, PASMAX 36:32).
/// </summary>
public readonly record struct ExtendedFeatureRegister(ulong Raw)
{
    public bool PrefetchSupported => (Raw & 1) != 0;
    public bool PprSupported => (Raw & 2) != 0;
    public bool XtSupported => (Raw & 4) != 0;
    public bool NoExecuteSupported => (Raw & 8) != 0;
    public bool GuestTranslationSupported => (Raw & 0x10) != 0;
    public bool InvalidateAllSupported => (Raw & 0x40) != 0;
    public bool GuestApicSupported => (Raw & 0x80) != 0;
    /// <summary>HATS 11:10: host address translation size, 0 = 4 levels, 1 = 5, 2 = 6.</summary>
    public int HostLevels => 4 + (int)((Raw >> 10) & 3);
    /// <summary>GATS 13:12: guest paging levels, 0 = 4, 1 = 5.</summary>
    public int GuestLevels => 4 + (int)((Raw >> 12) & 3);
    /// <summary>GLXSup 15:14: supported GCR3 table levels beyond one.</summary>
    public int GcrLevelsSupported => (int)((Raw >> 14) & 3);
    /// <summary>PASmax 36:32: the largest PASID is 2^(PASmax+1) - 1.</summary>
    public int PasidMax => (int)((Raw >> 32) & 0x1F);
    /// <summary>The largest PASID a request may carry: 2^(PASmax+1) - 1 (Linux max_pasids).</summary>
    public uint LargestPasid => (uint)((1UL << (PasidMax + 1)) - 1);

    /// <summary>
    /// What the model implements: XT (x2APIC interrupt control register), IA (INVALIDATE_IOMMU_ALL), HATS from
    /// <c>levels</c>; with <c>gt</c>: GTSup, GATS=1 (4- and 5-level guest tables), GLXSup=2 (GCR3 tables of 1..3 levels,
    /// Linux get_gcr3_levels / amd_iommu_max_glx_val) and PASmax=15 (PASIDs 0..0xFFFF). No PPR, prefetch,
    /// NX, hardware error registers or performance counters; GASup with <c>ga</c> (GAMSup 23:21 = 0: no guest virtual APIC).
    /// </summary>
    public static ExtendedFeatureRegister For(AmdViUnitConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ulong raw = 1UL << 2 | 1UL << 6 | (ulong)(config.Levels - 4) << 10;
        if (config.GuestTranslation) raw |= 1UL << 4 | 1UL << 12 | 2UL << 14 | 0xFUL << 32;
        if (config.GuestApic) raw |= 1UL << 7;
        return new ExtendedFeatureRegister(raw);
    }
}
