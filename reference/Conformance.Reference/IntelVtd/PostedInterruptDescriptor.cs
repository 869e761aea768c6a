using Conformance.Reference.Memory;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §9.12 Posted Interrupt Descriptor (64 bytes, 64-byte aligned): PIR 255:0 (one request bit per
/// vector), ON 256 (outstanding notification), SN 257 (suppress notification), NV 279:272 (notification vector),
/// NDST 319:288 (notification destination; xAPIC id in bits 15:8 when EIME=0).
/// </summary>
public static class PostedInterruptDescriptor
{
    public const int Size = 64;
    public const int ControlOffset = 32;

    /// <summary>
    /// §5.2.3 interrupt posting: sets PIR[vector]; if ON was clear and (URG or SN clear), sets ON and returns the
    /// notification event (NDST, NV) to send. False when the descriptor is not backed (fault 0x27).
    /// </summary>
    public static bool TryPost(PhysicalMemory memory, ulong descriptor, int vector, bool urgent, bool extendedInterruptMode,
        out (uint Destination, int Vector)? notification)
    {
        notification = null;
        ulong pirWord = descriptor + (ulong)(vector / 64) * 8;
        ulong control = descriptor + ControlOffset;
        if (!memory.TryReadLe64(pirWord, out ulong pir) || !memory.TryReadLe64(control, out ulong ctl)) return false;
        if (!memory.TryWriteLe(pirWord, 8, pir | (1UL << (vector % 64)))) return false;
        bool on = (ctl & 1) != 0;
        bool sn = (ctl & 2) != 0;
        if (!on && (urgent || !sn))
        {
            if (!memory.TryWriteLe(control, 8, ctl | 1)) return false;
            uint ndst = (uint)(ctl >> 32);
            notification = (extendedInterruptMode ? ndst : (ndst >> 8) & 0xFF, (int)((ctl >> 16) & 0xFF));
        }
        return true;
    }
}
