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
