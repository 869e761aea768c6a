namespace Conformance.Reference.Power;

/// <summary>
/// POWER9 XIVE Event Assignment Structure entry (EAS; skiboot calls it the IVE), one 64-bit word per global interrupt
/// number, skiboot <c>include/xive-p9-regs.h</c> (IBM bit numbering, bit 0 = MSB): IVE_VALID bit 0, IVE_EQ_BLOCK bits
/// 4:7, IVE_EQ_INDEX bits 8:31 (the END/EQ the interrupt is queued on, which names the VP and priority), IVE_MASKED
/// bit 32, IVE_EQ_DATA bits 33:63 (the EISN, Linux's "lirq": the number written into the target's event queue).
/// </summary>
public readonly record struct Eas(ulong Raw)
{
    public const ulong ValidBit = 1UL << 63;
    public const ulong MaskedBit = 1UL << 31;
    public const uint EndDataMask = 0x7fff_ffff;

    public bool Valid => (Raw & ValidBit) != 0;
    public int EndBlock => (int)((Raw >> 56) & 0xf);
    public uint EndIndex => (uint)((Raw >> 32) & 0xff_ffff);
    public bool Masked => (Raw & MaskedBit) != 0;
    /// <summary>IVE_EQ_DATA: the event state interrupt number (EISN) delivered to the target.</summary>
    public uint EndData => (uint)(Raw & EndDataMask);

    /// <summary>skiboot <c>xive_alloc_hw_irqs</c>: "entry is valid, not routed and masked, EQ data is set to the GIRQ number".</summary>
    public static Eas AllocatedMasked(uint girq) => new(ValidBit | MaskedBit | (girq & EndDataMask));

    public Eas WithMasked(bool masked) => new(masked ? Raw | MaskedBit : Raw & ~MaskedBit);

    public Eas WithEnd(int block, uint index) =>
        new((Raw & ~((0xfUL << 56) | (0xff_ffffUL << 32))) | ((ulong)(block & 0xf) << 56) | ((ulong)(index & 0xff_ffff) << 32));

    public Eas WithEndData(uint data) => new((Raw & ~(ulong)EndDataMask) | (data & EndDataMask));
}
