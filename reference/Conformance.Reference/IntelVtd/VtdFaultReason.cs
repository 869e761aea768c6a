namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec Appendix A "Non-Recoverable Fault Reason Encodings" (legacy-mode DMA remapping 0x1-0xE,
/// interrupt remapping 0x20-0x27). The values are what software reads in FRCD.FR.
/// </summary>
public enum VtdFaultReason
{
    None = 0x0,
    RootEntryNotPresent = 0x1,
    ContextEntryNotPresent = 0x2,
    ContextEntryInvalid = 0x3,
    AddressBeyondMgaw = 0x4,
    WriteDenied = 0x5,
    ReadDenied = 0x6,
    PagingEntryInvalid = 0x7,
    RootTableInvalid = 0x8,
    ContextTableInvalid = 0x9,
    RootEntryReserved = 0xA,
    ContextEntryReserved = 0xB,
    PagingEntryReserved = 0xC,
    ContextEntryTranslationType = 0xD,
    InterruptAddress = 0xE,

    IrRequestReserved = 0x20,
    IrIndexOverflow = 0x21,
    IrEntryNotPresent = 0x22,
    IrTableAccessError = 0x23,
    IrEntryReserved = 0x24,
    IrCompatibilityBlocked = 0x25,
    IrSourceIdInvalid = 0x26,
    IrPostedDescriptorAccessError = 0x27,
}

/// <summary>VT-d spec §7.2.1 / Table "fault conditions": which faults the FPD bit of the entry that qualifies them suppresses.</summary>
public static class VtdFaultQualification
{
    /// <summary>
    /// True when the fault is "qualified": a set Fault Processing Disable bit (context entry for DMA, IRTE for
    /// interrupts) suppresses its recording. Faults raised before that entry is read (root table, context table
    /// access, root reserved, IRT access, IR index, request format) are never suppressed. QEMU's
    /// vtd_qualified_faults[] leaves 0xB (context entry reserved) out; the spec lists it as qualified and the model
    /// follows the spec.
    /// </summary>
    public static bool IsQualified(VtdFaultReason reason) => reason switch
    {
        VtdFaultReason.ContextEntryNotPresent or VtdFaultReason.ContextEntryInvalid or VtdFaultReason.AddressBeyondMgaw
            or VtdFaultReason.WriteDenied or VtdFaultReason.ReadDenied or VtdFaultReason.PagingEntryInvalid
            or VtdFaultReason.ContextEntryReserved or VtdFaultReason.PagingEntryReserved
            or VtdFaultReason.ContextEntryTranslationType or VtdFaultReason.InterruptAddress => true,
        VtdFaultReason.IrEntryNotPresent or VtdFaultReason.IrEntryReserved or VtdFaultReason.IrSourceIdInvalid
            or VtdFaultReason.IrPostedDescriptorAccessError => true,
        _ => false,
    };
}
