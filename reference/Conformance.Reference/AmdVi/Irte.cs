namespace Conformance.Reference.AmdVi;

/// <summary>
/// §2.2.5.1 "Interrupt Remapping Table Entry Format" (32-bit, GAEn=0): RemapEn 0, SupIOPF 1, IntType 4:2, RqEoi 5,
/// DM 6, GuestMode 7, Destination 15:8, Vector 23:16 (Linux union irte).
/// </summary>
public readonly record struct Irte(uint Raw)
{
    public const int Size = 4;
    public bool RemapEnable => (Raw & 1) != 0;
    public bool SuppressIoPageFault => (Raw & 2) != 0;
    /// <summary>IntType 4:2: 0 fixed, 1 arbitrated; other encodings are reserved in this format.</summary>
    public int InterruptType => (int)((Raw >> 2) & 7);
    public bool RequestEoi => (Raw & 0x20) != 0;
    public bool DestinationMode => (Raw & 0x40) != 0;
    public bool GuestMode => (Raw & 0x80) != 0;
    public byte Destination => (byte)(Raw >> 8);
    public byte Vector => (byte)(Raw >> 16);
}

/// <summary>
/// §2.2.5.2 128-bit IRTE (Control.GAEn=1), guest-APIC-disabled ("legacy GA") layout: lo RemapEn 0, SupIOPF 1,
/// IntType 4:2, RqEoi 5, DM 6, GuestMode 7, Destination[23:0] 31:8; hi Vector 7:0, Destination[31:24] 63:56
/// (Linux struct irte_ga_lo/hi).
/// </summary>
public readonly record struct IrteGa(ulong Lo, ulong Hi)
{
    public const int Size = 16;
    public bool RemapEnable => (Lo & 1) != 0;
    public bool SuppressIoPageFault => (Lo & 2) != 0;
    public int InterruptType => (int)((Lo >> 2) & 7);
    public bool GuestMode => (Lo & 0x80) != 0;
    public uint Destination => (uint)((Lo >> 8) & 0xFF_FFFF) | (uint)(Hi >> 56) << 24;
    public byte Vector => (byte)Hi;
}
