namespace Conformance.Adapters.IntelVtd;

/// <summary>VT-d spec §10.4: the register offsets and bits this driver uses (the adapter's own copy: it sees only
/// the architected interface, never the reference model's types).</summary>
internal static class VtdRegisters
{
    public const ulong Cap = 0x08, Ecap = 0x10, Gcmd = 0x18, Gsts = 0x1c, Rtaddr = 0x20;
    public const ulong Iqh = 0x80, Iqt = 0x88, Iqa = 0x90, Ics = 0x9c, Irta = 0xb8, Fsts = 0x34;

    // §10.4.4 GCMD / §10.4.5 GSTS bits.
    public const uint Te = 1u << 31, Srtp = 1u << 30, Qie = 1u << 26, Ire = 1u << 25, Sirtp = 1u << 24, Cfi = 1u << 23;

    /// <summary>§10.4.4: the one-shot bits (SRTP, SFL, WBF, SIRTP) are not carried over from GSTS (Linux's 0x96FFFFFF mask).</summary>
    public const uint OneShotMask = 0x96FF_FFFF;

    // §10.4.2 CAP / §10.4.3 ECAP fields.
    public static int Mgaw(ulong cap) => (int)((cap >> 16) & 0x3f) + 1;
    public static int Sagaw(ulong cap) => (int)((cap >> 8) & 0x1f);
    public static int DomainCount(ulong cap) => 1 << (4 + 2 * (int)(cap & 7));
    public static int Mamv(ulong cap) => (int)((cap >> 48) & 0x3f);
    public static bool Psi(ulong cap) => (cap & (1UL << 39)) != 0;
    public static bool QueuedInvalidation(ulong ecap) => (ecap & (1UL << 1)) != 0;
    public static bool InterruptRemapping(ulong ecap) => (ecap & (1UL << 3)) != 0;
}

/// <summary>VT-d spec §6.5.2: legacy (128-bit) invalidation descriptors.</summary>
internal static class VtdDescriptors
{
    /// <summary>§6.5.2.1 context-cache invalidate: G 1 global, 2 domain (DID), 3 device (SID, FM).</summary>
    public static (ulong Lo, ulong Hi) ContextCache(int granularity, ushort did = 0, ushort sid = 0) =>
        (1UL | ((ulong)granularity << 4) | ((ulong)did << 16) | ((ulong)sid << 32), 0);

    /// <summary>§6.5.2.3 IOTLB invalidate: G 1 global, 2 domain, 3 page-selective (2^AM pages at ADDR).</summary>
    public static (ulong Lo, ulong Hi) Iotlb(int granularity, ushort did = 0, ulong address = 0, int am = 0) =>
        (2UL | ((ulong)granularity << 4) | ((ulong)did << 16), granularity == 3 ? (address & ~0xfffUL) | (uint)am : 0);

    /// <summary>§6.5.2.7 interrupt entry cache invalidate: G 0 global, 1 index-selective (2^IM entries at IIDX).</summary>
    public static (ulong Lo, ulong Hi) InterruptEntryCache(bool global, ushort index = 0) =>
        (4UL | (global ? 0 : 1UL << 4) | (global ? 0 : (ulong)index << 32), 0);

    /// <summary>§6.5.2.8 invalidation wait: SW (bit 5) writes the status data to the status address on completion.</summary>
    public static (ulong Lo, ulong Hi) Wait(uint statusData, ulong statusAddress) =>
        (5UL | (1UL << 5) | ((ulong)statusData << 32), statusAddress & ~3UL);
}
