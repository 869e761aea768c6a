namespace Conformance.Reference.Power;

// skiboot include/opal-api.h: the OPAL return codes, call tokens and argument enums the PCI/PHB calls use.
// Values are the header's; names follow the header with the OPAL_ prefix dropped.

/// <summary>OPAL return codes (skiboot <c>include/opal-api.h</c>). A positive value from OPAL_PCI_RESET is a delay in ms.</summary>
public enum OpalRc : long
{
    Success = 0,
    Parameter = -1,
    Busy = -2,
    Partial = -3,
    Constrained = -4,
    Closed = -5,
    Hardware = -6,
    Unsupported = -7,
    Permission = -8,
    NoMem = -9,
    Resource = -10,
    InternalError = -11,
    /// <summary>OPAL_WRONG_STATE: e.g. a XIVE call outside exploitation mode.</summary>
    WrongState = -14,
}

/// <summary>OPAL call tokens of the PCI/PHB interface and the XIVE calls that route a PHB's sources (skiboot <c>include/opal-api.h</c>).</summary>
public enum OpalToken
{
    OPAL_PCI_EEH_FREEZE_STATUS = 23,
    OPAL_PCI_EEH_FREEZE_CLEAR = 26,
    OPAL_PCI_PHB_MMIO_ENABLE = 27,
    OPAL_PCI_SET_PHB_MEM_WINDOW = 28,
    OPAL_PCI_MAP_PE_MMIO_WINDOW = 29,
    OPAL_PCI_SET_PE = 31,
    OPAL_PCI_SET_PELTV = 32,
    /// <summary>Removed in skiboot 7.1: calling it is a bad token (OPAL_PARAMETER).</summary>
    OPAL_PCI_SET_MVE = 33,
    /// <summary>Removed in skiboot 7.1: calling it is a bad token (OPAL_PARAMETER).</summary>
    OPAL_PCI_SET_MVE_ENABLE = 34,
    OPAL_PCI_SET_XIVE_PE = 37,
    OPAL_GET_MSI_32 = 39,
    OPAL_GET_MSI_64 = 40,
    OPAL_PCI_MAP_PE_DMA_WINDOW = 44,
    OPAL_PCI_MAP_PE_DMA_WINDOW_REAL = 45,
    OPAL_PCI_RESET = 49,
    OPAL_PCI_NEXT_ERROR = 60,
    OPAL_PCI_POLL = 62,
    OPAL_PCI_EEH_FREEZE_SET = 97,
    OPAL_PCI_TCE_KILL = 126,
    OPAL_XIVE_GET_IRQ_CONFIG = 130,
    OPAL_XIVE_SET_IRQ_CONFIG = 131,
}

/// <summary>OpalPciBusCompare: compare the top v+1 bits of the bus number (v = 7: exact match); Any ignores the bus.</summary>
public enum OpalPciBusCompare : byte
{
    Any = 0,
    Bus3Bits = 2,
    Bus4Bits = 3,
    Bus5Bits = 4,
    Bus6Bits = 5,
    Bus7Bits = 6,
    All = 7,
}

/// <summary>OpalPeAction.</summary>
public enum OpalPeAction : byte { Unmap = 0, Map = 1 }

/// <summary>OpalPeltvAction.</summary>
public enum OpalPeltvAction : byte { RemovePeFromDomain = 0, AddPeToDomain = 1 }

/// <summary>OpalMmioWindowType (the header's values; the old .rst files' 0=IO is wrong).</summary>
public enum OpalMmioWindowType : ushort { M32 = 1, M64 = 2, Io = 3 }

/// <summary>OpalM64Action, the <c>enable</c> argument of OPAL_PCI_PHB_MMIO_ENABLE.</summary>
public enum OpalM64Action : ushort { Disable = 0, EnableSplit = 1, EnableNonSplit = 2 }

/// <summary>OpalEehFreezeActionToken (CLEAR_FREEZE_* and SET_FREEZE_* share the values).</summary>
public enum OpalEehAction : ulong { Mmio = 1, Dma = 2, All = 3 }

/// <summary>OpalFreezeState (the <c>freeze_state</c> out-value of OPAL_PCI_EEH_FREEZE_STATUS).</summary>
public enum OpalFreezeState : byte
{
    NotFrozen = 0,
    MmioFreeze = 1,
    DmaFreeze = 2,
    MmioDmaFreeze = 3,
    Reset = 4,
    TempUnavail = 5,
    PermUnavail = 6,
}

/// <summary>OpalPciStatusToken (the <c>pci_error_type</c> out-value).</summary>
public enum OpalPciStatusToken : ushort
{
    NoError = 0,
    IocError = 1,
    PhbError = 2,
    PeError = 3,
    PeMmioError = 4,
    PeDmaError = 5,
}

/// <summary>OpalPciErrorSeverity.</summary>
public enum OpalPciErrorSeverity : ushort
{
    NoError = 0,
    IocDead = 1,
    PhbDead = 2,
    PhbFenced = 3,
    PeEr = 4,
    Inf = 5,
}

/// <summary>OpalPciResetScope.</summary>
public enum OpalPciResetScope : byte
{
    PhbComplete = 1,
    PciLink = 2,
    PhbError = 3,
    PciHot = 4,
    PciFundamental = 5,
    PciIodaTable = 6,
}

/// <summary>OpalPciResetState.</summary>
public enum OpalPciResetState : byte { Deassert = 0, Assert = 1 }

/// <summary>The TCE kill type (anonymous enum in opal-api.h: OPAL_PCI_TCE_KILL_PAGES/PE/ALL).</summary>
public enum OpalTceKillType : uint { Pages = 0, Pe = 1, All = 2 }

/// <summary>The result of one OPAL call: the return code and the out-parameters, in their order, as the caller reads them.</summary>
public sealed record OpalResult(long Rc, IReadOnlyList<ulong> Out)
{
    public static OpalResult Of(OpalRc rc) => new((long)rc, []);
    public static OpalResult Of(OpalRc rc, params ulong[] outs) => new((long)rc, outs);

    public OpalRc Code => (OpalRc)Rc;
    public bool IsSuccess => Rc == 0;
    /// <summary>Structural: the same return code and the same out-values in the same order.</summary>
    public bool Equals(OpalResult? other) => other is not null && Rc == other.Rc && Out.SequenceEqual(other.Out);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Rc);
        foreach (ulong o in Out) h.Add(o);
        return h.ToHashCode();
    }

    public override string ToString() => Out.Count == 0 ? $"rc={Rc}" : $"rc={Rc} out=[{string.Join(", ", Out.Select(o => $"0x{o:x}"))}]";
}
