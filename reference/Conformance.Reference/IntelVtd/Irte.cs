namespace Conformance.Reference.IntelVtd;

/// <summary>VT-d spec §9.10 IRTE Source Validation Type.</summary>
public enum SourceValidationType { None = 0, RequesterId = 1, BusRange = 2, Reserved = 3 }

/// <summary>
/// VT-d spec §9.10 Interrupt Remapping Table Entry (remapped format, IM=0) and §9.11 (posted format, IM=1),
/// 128 bits, 16 bytes each.
/// </summary>
public readonly record struct Irte(ulong Lo, ulong Hi)
{
    public const int Size = 16;

    public bool Present => (Lo & 1) != 0;
    public bool FaultProcessingDisable => (Lo & 2) != 0;
    public bool DestinationMode => (Lo & 4) != 0;
    public bool RedirectionHint => (Lo & 8) != 0;
    public bool TriggerMode => (Lo & 0x10) != 0;
    public int DeliveryMode => (int)((Lo >> 5) & 7);
    /// <summary>IM (bit 15): 1 = posted format.</summary>
    public bool Posted => (Lo & 0x8000) != 0;
    /// <summary>Posted format: URG (bit 14).</summary>
    public bool Urgent => (Lo & 0x4000) != 0;
    public int Vector => (int)((Lo >> 16) & 0xFF);
    /// <summary>DST 63:32: the x2APIC id, or in xAPIC mode (IRTA.EIME=0) the 8-bit APIC id in bits 47:40.</summary>
    public uint Destination => (uint)(Lo >> 32);
    public uint DestinationId(bool extendedInterruptMode) => extendedInterruptMode ? Destination : (Destination >> 8) & 0xFF;

    public ushort SourceId => (ushort)Hi;
    public int SourceIdQualifier => (int)((Hi >> 16) & 3);
    public SourceValidationType SourceValidation => (SourceValidationType)((Hi >> 18) & 3);

    /// <summary>Posted format: the 64-byte aligned posted-interrupt descriptor address (PDA_H 127:96, PDA_L 63:38).</summary>
    public ulong PostedDescriptorAddress => ((Hi >> 32) << 32) | ((Lo >> 38) << 6);

    /// <summary>
    /// Reserved bits. Remapped format: 14:12, 31:24, and in xAPIC mode DST bits 7:0 and 31:16 (39:32, 63:48);
    /// bit 15 without posted-interrupt support. Posted format: 7:2, 13:12, 37:24. Both: 127:84 (hi 63:20) in remapped,
    /// hi 31:20 in posted. SVT=3 is not a reserved-bit fault: it fails source-id verification (0x26), as both QEMU
    /// and VirtualBox treat it.
    /// </summary>
    public bool HasReservedBits(bool extendedInterruptMode, bool postedSupported)
    {
        if (Posted)
        {
            if (!postedSupported) return true;
            return (Lo & 0x0000_003F_FF00_30FCUL) != 0 || (Hi & 0xFFF0_0000UL) != 0;
        }
        ulong lo = 0xFF00_7000UL;
        if (!extendedInterruptMode) lo |= 0xFFFF_00FF_0000_0000UL;
        return (Lo & lo) != 0 || (Hi & 0xFFFF_FFFF_FFF0_0000UL) != 0;
    }

    /// <summary>
    /// §9.10 SVT/SQ: 1 = the requester id must equal SID, ignoring function bits per SQ (1: bit 2, 2: bits 2:1,
    /// 3: bits 2:0); 2 = the requester's bus must lie in [SID 15:8 (start bus), SID 7:0 (end bus)] as the spec
    /// words it and VirtualBox reads it (QEMU reads the range the other way round); 3 (reserved) never verifies.
    /// </summary>
    public bool SourceMatches(ushort requesterId) => SourceValidation switch
    {
        SourceValidationType.None => true,
        SourceValidationType.RequesterId => ((requesterId ^ SourceId) & SourceIdQualifier switch { 1 => 0xFFFB, 2 => 0xFFF9, 3 => 0xFFF8, _ => 0xFFFF }) == 0,
        SourceValidationType.BusRange => (requesterId >> 8) >= (SourceId >> 8) && (requesterId >> 8) <= (SourceId & 0xFF),
        _ => false,
    };
}

/// <summary>
/// VT-d spec §5.1.2 interrupt request formats, as the address/data of an MSI: bit 4 of the address selects the
/// remappable format; then handle[14:0] is in bits 19:5, handle[15] in bit 2, SHV in bit 3, and with SHV the
/// subhandle is data[15:0] (data[31:16] reserved).
/// </summary>
public readonly record struct InterruptRequest(ulong Address, uint Data)
{
    public bool Remappable => (Address & 0x10) != 0;
    public bool SubhandleValid => (Address & 0x8) != 0;
    public int Handle => (int)(((Address >> 5) & 0x7FFF) | (((Address >> 2) & 1) << 15));
    public int Subhandle => (int)(Data & 0xFFFF);
    /// <summary>The IRTE index: handle, plus subhandle when SHV (may exceed 0xFFFF; the table size check catches it).</summary>
    public int Index => SubhandleValid ? Handle + Subhandle : Handle;
    /// <summary>Reserved fields of a remappable request: address bits 63:32 and, with SHV, data bits 31:16.</summary>
    public bool HasReservedBits => (Address >> 32) != 0 || (SubhandleValid && (Data >> 16) != 0);
}

/// <summary>VT-d spec §10.4.29 Interrupt Remapping Table Address register.</summary>
public readonly record struct InterruptRemapTableAddress(ulong Raw)
{
    public ulong Address => Raw & ~0xFFFUL;
    public bool ExtendedInterruptMode => (Raw & 0x800) != 0;
    /// <summary>S 3:0: the table holds 2^(S+1) entries.</summary>
    public int Entries => 1 << ((int)(Raw & 0xF) + 1);
}
