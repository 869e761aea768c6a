using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// VT-d spec §6.5.1 register-based invalidation: the Context Command register (§10.4.7, CCMD at 0x28) and the
/// IOTLB Invalidate register (§10.4.8.1, at ECAP.IRO + 8, with IVA at ECAP.IRO). Setting ICC / IVT (bit 63, in
/// the register's upper dword) requests the invalidation; the hardware performs it at once, writes the granularity
/// it actually performed into CAIG / IAIG (0 = request invalid, nothing done), and clears ICC / IVT. While queued
/// invalidation is enabled the registers must not be used: the request is ignored and ICC / IVT stay set (QEMU).
/// </summary>
public sealed partial class VtdUnit
{
    private void HandleContextCommand()
    {
        ulong ccmd = _regs.Get64(ContextCommand);
        if ((ccmd & (1UL << 63)) == 0) return;
        if (StatusHas(GlobalCommandBits.QueuedInvalidationEnable)) return;

        var requested = (ContextInvalidationGranularity)((ccmd >> 61) & 3);
        ushort did = (ushort)ccmd;
        ushort sid = (ushort)(ccmd >> 16);
        int fm = (int)((ccmd >> 32) & 3);
        var actual = InvalidateContextCache(requested, did, sid, fm);
        // CAIG 60:59 <- actual granularity; ICC cleared.
        _regs.Set64(ContextCommand, (ccmd & ~(1UL << 63) & ~(3UL << 59)) | ((ulong)actual << 59));
    }

    private void HandleIotlbInvalidate()
    {
        int at = _iro + IotlbBlockInvalidate;
        ulong reg = _regs.Get64(at);
        if ((reg & (1UL << 63)) == 0) return;
        if (StatusHas(GlobalCommandBits.QueuedInvalidationEnable)) return;

        var requested = (IotlbInvalidationGranularity)((reg >> 60) & 3);
        ushort did = (ushort)(reg >> 32);
        ulong iva = _regs.Get64(_iro + IotlbBlockInvalidateAddress);
        var actual = InvalidateIotlb(requested, did, iva & ~0xFFFUL, (int)(iva & 0x3F));
        // IAIG 58:57 <- actual granularity; IVT cleared.
        _regs.Set64(at, (reg & ~(1UL << 63) & ~(3UL << 57)) | ((ulong)actual << 57));
    }

    /// <summary>Shared by CCMD and the context-cache invalidate descriptor. Returns the granularity performed.</summary>
    private ContextInvalidationGranularity InvalidateContextCache(ContextInvalidationGranularity g, ushort did, ushort sid, int fm)
    {
        switch (g)
        {
            case ContextInvalidationGranularity.Global: ContextCache.InvalidateAll(); break;
            case ContextInvalidationGranularity.Domain: ContextCache.InvalidateDomain(did); break;
            case ContextInvalidationGranularity.Device: ContextCache.InvalidateDevice(did, sid, fm); break;
            default: return ContextInvalidationGranularity.Invalid;
        }
        ContextInvalidations++;
        return g;
    }

    /// <summary>Shared by the IOTLB register and the IOTLB invalidate descriptor. AM above CAP.MAMV is invalid.</summary>
    private IotlbInvalidationGranularity InvalidateIotlb(IotlbInvalidationGranularity g, ushort did, ulong address, int am)
    {
        switch (g)
        {
            case IotlbInvalidationGranularity.Global: Iotlb.InvalidateAll(); break;
            case IotlbInvalidationGranularity.Domain: Iotlb.InvalidateDomain(did); break;
            case IotlbInvalidationGranularity.Page:
                if (am > Capability.MaximumAddressMaskValue) return IotlbInvalidationGranularity.Invalid;
                Iotlb.InvalidatePages(did, address, am);
                break;
            default: return IotlbInvalidationGranularity.Invalid;
        }
        IotlbInvalidations++;
        return g;
    }

    /// <summary>Context-cache and IOTLB invalidations performed (observation for tests).</summary>
    public int ContextInvalidations { get; private set; }
    public int IotlbInvalidations { get; private set; }
}
