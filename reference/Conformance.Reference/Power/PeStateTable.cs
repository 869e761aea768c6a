namespace Conformance.Reference.Power;

/// <summary>What the PHB recorded when it froze a PE (the memory PEST words of the PHB4 diag data; phb4-regs.h IODA3_PEST0_*).</summary>
public readonly record struct PeErrorRecord(ulong Pest0, ulong Pest1, string Why)
{
    public const ulong MmioCause = 1UL << (63 - 2);
    public const ulong TcePageFault = 1UL << (63 - 18);
    public const ulong TceAccessFault = 1UL << (63 - 19);
    public const ulong Ioda3Error = 1UL << (63 - 16);
    public const ulong UrReturn = 1UL << (63 - 9);

    public ushort Rid => (ushort)((Pest0 >> 16) & 0xffff);
    public ulong FailAddress => Pest1 & ((1UL << 61) - 1);
}

/// <summary>
/// The PE State Table (IODA3 PESTA/PESTB) and PE Error Vector. PESTA bit 0 = MMIO frozen, PESTB bit 0 = DMA stopped
/// (skiboot hw/phb4.c). The PEEV bit of a PE is modelled as "PESTA bit 0 or PESTB bit 0": skiboot's freeze_clear
/// rescans the PEEV right after zeroing the PESTs to decide whether an error is still pending, which only works if
/// the PEEV follows the PEST (the IODA3 spec itself was not available).
/// </summary>
public sealed class PeStateTable
{
    public const ulong FrozenBit = 1UL << 63;

    private readonly ulong[] _pestA;
    private readonly ulong[] _pestB;
    private readonly PeErrorRecord?[] _records;

    public PeStateTable(int numPes)
    {
        _pestA = new ulong[numPes];
        _pestB = new ulong[numPes];
        _records = new PeErrorRecord?[numPes];
    }

    public int Count => _pestA.Length;

    public ulong PestA(int pe) => _pestA[pe];
    public ulong PestB(int pe) => _pestB[pe];
    public bool MmioFrozen(int pe) => (_pestA[pe] & FrozenBit) != 0;
    public bool DmaStopped(int pe) => (_pestB[pe] & FrozenBit) != 0;
    public bool Peev(int pe) => MmioFrozen(pe) || DmaStopped(pe);
    public PeErrorRecord? Record(int pe) => _records[pe];

    public bool AnyPending
    {
        get
        {
            for (int pe = 0; pe < _pestA.Length; pe++) if (Peev(pe)) return true;
            return false;
        }
    }

    public void SetMmioFrozen(int pe) => _pestA[pe] |= FrozenBit;
    public void SetDmaStopped(int pe) => _pestB[pe] |= FrozenBit;

    public void ClearMmio(int pe)
    {
        _pestA[pe] = 0;
        if (!DmaStopped(pe)) _records[pe] = null;
    }

    public void ClearDma(int pe)
    {
        _pestB[pe] = 0;
        if (!MmioFrozen(pe)) _records[pe] = null;
    }

    /// <summary>An error freeze: MMIO and DMA both stop, and the first error is recorded.</summary>
    public void ErrorFreeze(int pe, PeErrorRecord record)
    {
        _records[pe] ??= record;
        _pestA[pe] |= FrozenBit;
        _pestB[pe] |= FrozenBit;
    }

    public void Clear()
    {
        Array.Clear(_pestA);
        Array.Clear(_pestB);
        Array.Clear(_records);
    }
}
