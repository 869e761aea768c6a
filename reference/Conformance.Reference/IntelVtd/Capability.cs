namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §10.4.2 Capability Register (CAP, offset 0x08), as this model reports it.</summary>
public readonly record struct CapabilityRegister(ulong Raw)
{
    /// <summary>ND 2:0: 2*ND+4 domain-id bits; the model reports 6 (16-bit domain ids).</summary>
    public int NumberOfDomains => (int)(Raw & 7);
    public bool AdvancedFaultLogging => (Raw & (1UL << 3)) != 0;
    public bool RequiredWriteBufferFlushing => (Raw & (1UL << 4)) != 0;
    public bool CachingMode => (Raw & (1UL << 7)) != 0;
    public int Sagaw => (int)((Raw >> 8) & 0x1f);
    /// <summary>MGAW 21:16 holds the width minus one.</summary>
    public int Mgaw => (int)((Raw >> 16) & 0x3f) + 1;
    /// <summary>FRO 33:24 is the fault recording offset in 16-byte units.</summary>
    public int FaultRecordingOffset => (int)((Raw >> 24) & 0x3ff) * 16;
    public bool Supports2MiB => (Raw & (1UL << 34)) != 0;
    public bool Supports1GiB => (Raw & (1UL << 35)) != 0;
    public bool PageSelectiveInvalidation => (Raw & (1UL << 39)) != 0;
    /// <summary>NFR 47:40 holds the count minus one.</summary>
    public int FaultRecordingCount => (int)((Raw >> 40) & 0xff) + 1;
    public int MaximumAddressMaskValue => (int)((Raw >> 48) & 0x3f);
    public bool PostedInterrupts => (Raw & (1UL << 59)) != 0;

    public const int MaxAddressMask = 18;

    public static CapabilityRegister For(VtdUnitConfig c)
    {
        ulong v = 6;                                          // ND: 16-bit domain ids
        v |= (ulong)(c.Sagaw & 0x1f) << 8;
        v |= (ulong)(c.AddressWidth - 1) << 16;
        v |= (ulong)(c.FaultRecordingOffset / 16) << 24;
        v |= 1UL << 34 | 1UL << 35;                           // SLLPS: 2 MiB and 1 GiB
        v |= 1UL << 39;                                       // PSI
        v |= (ulong)(c.FaultRecordingCount - 1) << 40;
        v |= (ulong)MaxAddressMask << 48;                     // MAMV
        if (c.InterruptRemapping) v |= 1UL << 59;             // PI: posted interrupts
        return new CapabilityRegister(v);
    }
}

/// <summary>VT-d spec §10.4.3 Extended Capability Register (ECAP, offset 0x10), as this model reports it.</summary>
public readonly record struct ExtendedCapabilityRegister(ulong Raw)
{
    public bool PageWalkCoherency => (Raw & 1) != 0;
    public bool QueuedInvalidation => (Raw & (1UL << 1)) != 0;
    public bool DeviceTlb => (Raw & (1UL << 2)) != 0;
    public bool InterruptRemapping => (Raw & (1UL << 3)) != 0;
    public bool ExtendedInterruptMode => (Raw & (1UL << 4)) != 0;
    public bool PassThrough => (Raw & (1UL << 6)) != 0;
    public bool SnoopControl => (Raw & (1UL << 7)) != 0;
    /// <summary>IRO 17:8 is the IOTLB register offset in 16-byte units.</summary>
    public int IotlbRegisterOffset => (int)((Raw >> 8) & 0x3ff) * 16;
    public int MaximumHandleMaskValue => (int)((Raw >> 20) & 0xf);
    public bool Pasid => (Raw & (1UL << 40)) != 0;
    public bool ScalableModeTranslation => (Raw & (1UL << 43)) != 0;

    public const int MaxHandleMask = 0xf;

    public static ExtendedCapabilityRegister For(VtdUnitConfig c)
    {
        ulong v = 1;                                          // C: page-walk coherent (the model reads memory directly)
        v |= 1UL << 1;                                        // QI
        if (c.InterruptRemapping) v |= 1UL << 3 | 1UL << 4;   // IR, EIM
        v |= 1UL << 6;                                        // PT
        v |= (ulong)(c.IotlbRegisterOffset / 16) << 8;        // IRO
        v |= (ulong)MaxHandleMask << 20;                      // MHMV
        // SMTS (43), PASID (40), DT (2), SC (7), NEST (26): 0. Scalable mode would add SMTS and the RTADDR.TTM bit.
        return new ExtendedCapabilityRegister(v);
    }
}
