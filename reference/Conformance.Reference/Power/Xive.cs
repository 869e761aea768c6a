namespace Conformance.Reference.Power;

/// <summary>The result of presenting one global interrupt number to the XIVE.</summary>
public readonly record struct XiveDelivery(bool Delivered, uint Vp, byte Priority, uint Eisn, string? Why)
{
    public static XiveDelivery To(uint vp, byte priority, uint eisn) => new(true, vp, priority, eisn, null);
    public static XiveDelivery Dropped(string why) => new(false, 0, 0, 0, why);
}

/// <summary>
/// POWER9 XIVE interrupt routing as skiboot <c>hw/xive.c</c> (exploitation mode) programs it for PHB4 sources: one
/// EAS (<see cref="Eas"/>) per global interrupt number (girq = block &lt;&lt; 20 | index, <c>GIRQ_TO_BLK/IDX</c>);
/// a source block is registered by <c>xive_alloc_hw_irqs</c> with every EAS valid, masked, EQ data = girq. An
/// unmasked EAS names an END (EQ); the END names the VP (interrupt server) and the priority, and the EAS's EQ data
/// (EISN) is what the VP's queue receives.
/// <para>What the kit models of the NVT/END side: VPs are the hardware threads in skiboot's "PIR case" of
/// <c>xive_decode_vp</c> (bit 31 group clear, bit 30 clear, index = PIR), PIRs 0..<see cref="ThreadCount"/>-1; each
/// VP owns the eight consecutive ENDs <c>vp * 8 + prio</c> (prio 0..XIVE_MAX_PRIO 7), as <c>xive_alloc_eq_set</c> gives
/// every VP an aligned set of eight and <c>xive_eq_for_target</c> picks base + prio. The kit's interrupt destination
/// (a vCPU id of the contract, as x86 uses the APIC id) is the VP number. VP blocks (OPAL_XIVE_ALLOCATE_VP_BLOCK,
/// bit 30 set) are not modelled and are refused as skiboot refuses an unknown VP.</para>
/// <para>ESB PQ bits are not modelled: the kit's CPUs never EOI, so delivery behaves as if the OS EOIed at once
/// (PQ back to 00) and every trigger of an unmasked source is queued; with PQ, the second trigger before an EOI would
/// only set Q.</para>
/// </summary>
public sealed class Xive
{
    /// <summary>skiboot INT_SHIFT: a girq is block (4 bits) &lt;&lt; 20 | index.</summary>
    public const int IntShift = 20;
    /// <summary>skiboot XIVE_MAX_PRIO.</summary>
    public const byte MaxPriority = 7;
    /// <summary>The priority value that masks (OPAL_XIVE_SET_IRQ_CONFIG, OPAL_XIVE_GET_IRQ_CONFIG).</summary>
    public const byte MaskedPriority = 0xff;

    private readonly Dictionary<uint, Eas> _ivt = [];

    public Xive(int threadCount = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadCount, 1 << 17);
        ThreadCount = threadCount;
    }

    /// <summary>Hardware threads (PIRs 0..n-1) that exist as VPs.</summary>
    public int ThreadCount { get; }

    /// <summary>skiboot <c>xive_alloc_hw_irqs</c> + <c>xive_register_hw_source</c>: the EASs of girq <paramref name="base"/>..+<paramref name="count"/> become valid, masked, EQ data = girq.</summary>
    public void RegisterHwSource(uint girqBase, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (uint i = 0; i < (uint)count; i++)
        {
            if (_ivt.ContainsKey(girqBase + i)) throw new ArgumentException($"girq 0x{girqBase + i:x} is already registered", nameof(girqBase));
            _ivt[girqBase + i] = Eas.AllocatedMasked(girqBase + i);
        }
    }

    /// <summary>The EAS of <paramref name="girq"/> (an unallocated girq reads as an invalid EAS, 0).</summary>
    public Eas this[uint girq]
    {
        get => _ivt.GetValueOrDefault(girq);
        set
        {
            if (!_ivt.ContainsKey(girq)) throw new ArgumentOutOfRangeException(nameof(girq), $"girq 0x{girq:x} belongs to no registered source");
            _ivt[girq] = value;
        }
    }

    /// <summary>Whether <paramref name="girq"/> belongs to a registered source (has an IVT entry).</summary>
    public bool HasSource(uint girq) => _ivt.ContainsKey(girq);

    /// <summary>The END a VP/priority pair uses (the model's <c>xive_eq_for_target</c>).</summary>
    public static uint EndIndex(uint vp, byte priority) => (vp << 3) | priority;

    /// <summary>skiboot <c>xive_decode_vp</c>, PIR case only: group bit 31 and block-VP bit 30 clear, the thread exists.</summary>
    public bool VpExists(uint vp) => (vp >> 30) == 0 && (vp & 0xff_ffff) < (uint)ThreadCount;

    /// <summary>
    /// A trigger of <paramref name="girq"/> (the PHB's notification for base + source): routed through the EAS and
    /// END to a VP, or dropped (QEMU <c>xive_router_notify</c> / P9 XIVE: invalid EAS → error, masked → no event).
    /// </summary>
    public XiveDelivery Trigger(uint girq)
    {
        // 1. The EAS of the girq must be valid.
        var eas = this[girq];
        if (!eas.Valid) return XiveDelivery.Dropped($"girq 0x{girq:x} has no valid EAS");
        // 2. A masked EAS generates no event.
        if (eas.Masked) return XiveDelivery.Dropped($"girq 0x{girq:x} is masked (EAS 0x{eas.Raw:x16})");
        // 3. The END names the VP and priority; the EISN (EQ data) goes into that VP's queue.
        uint end = eas.EndIndex;
        uint vp = end >> 3;
        if (eas.EndBlock != 0 || !VpExists(vp)) return XiveDelivery.Dropped($"girq 0x{girq:x}: END {eas.EndBlock}/0x{end:x} names no VP");
        return XiveDelivery.To(vp, (byte)(end & 7), eas.EndData);
    }

    /// <summary>
    /// OPAL_XIVE_SET_IRQ_CONFIG (131), skiboot <c>opal_xive_set_irq_config</c> → <c>__xive_set_irq_config</c> →
    /// <c>xive_set_irq_targetting</c>: the EAS must be valid (else OPAL_PARAMETER); prio 0xff sets IVE_MASKED and
    /// re-targets to the VP's priority-7 END, any other prio clears it; the VP must decode and prio be ≤ 7 (else
    /// OPAL_PARAMETER, nothing written); IVE_EQ_DATA = lirq (31 bits). Arguments are the C types: uint32 girq and VP.
    /// </summary>
    public OpalRc SetIrqConfig(uint girq, uint vp, byte prio, uint lirq)
    {
        // 1. xive_get_irq_targetting / xive_get_ive: the girq must have a valid IVE.
        var eas = this[girq];
        if (!eas.Valid) return OpalRc.Parameter;
        // 2. Masking keeps the EAS pointed at the target's lowest-priority END.
        bool mask = prio == MaskedPriority;
        byte endPrio = mask ? MaxPriority : prio;
        // 3. xive_eq_for_target: prio ≤ XIVE_MAX_PRIO and a VP that decodes; a failure leaves the IVE unchanged.
        if (endPrio > MaxPriority || !VpExists(vp)) return OpalRc.Parameter;
        // 4. Write the new IVE (block 0: the model's single chip).
        _ivt[girq] = eas.WithMasked(mask).WithEnd(0, EndIndex(vp, endPrio)).WithEndData(lirq);
        return OpalRc.Success;
    }

    /// <summary>
    /// OPAL_XIVE_GET_IRQ_CONFIG (130), skiboot <c>opal_xive_get_irq_config</c> → <c>xive_get_irq_targetting</c>: out
    /// (vp, prio, lirq); prio reads 0xff while masked; an invalid IVE is OPAL_PARAMETER. A never-routed EAS (END 0/0,
    /// skiboot's "masked defaults") reports the EQ data and VP 0.
    /// </summary>
    public (OpalRc Rc, uint Vp, byte Prio, uint Lirq) GetIrqConfig(uint girq)
    {
        var eas = this[girq];
        if (!eas.Valid) return (OpalRc.Parameter, 0, 0, 0);
        uint end = eas.EndIndex;
        byte prio = eas.Masked ? MaskedPriority : (byte)(end & 7);
        return (OpalRc.Success, end >> 3, prio, eas.EndData);
    }
}
