namespace Conformance.Reference.Power;

/// <summary>
/// PHB4 MSI validation through the MIST (MSI Interrupt State Table, IODA3_MIST_PE*: a 12-bit PE number per interrupt
/// source, four per 64-bit word), written by OPAL_PCI_SET_XIVE_PE (skiboot <c>phb4_set_ive_pe</c>). An MSI is a DMA
/// write to the 32-bit MSI window (0xFFFF0000..0xFFFFFFFF) or the 64-bit one (top nibble 1); the source number is
/// <c>((window offset &gt;&gt; 4) &amp; 0xffff) | (data &amp; 0x1f)</c> (skiboot <c>phb4_get_msi_32/64</c>; QEMU
/// <c>pnv_phb4_msi_write</c>). The PHB lets a PE raise only the sources whose MIST PE is its own.
/// </summary>
public sealed class MsiValidation
{
    private readonly ushort[] _mistPe;

    public MsiValidation(int numIrqs) => _mistPe = new ushort[numIrqs];

    /// <summary>Interrupt sources of the PHB (the last 8 are LSIs and cannot be raised by MSI).</summary>
    public int NumIrqs => _mistPe.Length;

    public int MsiCount => _mistPe.Length - 8;

    public int OwnerPe(int source) => _mistPe[source];

    public void SetOwner(int source, int pe) => _mistPe[source] = (ushort)(pe & 0xfff);

    /// <summary>skiboot clears the MIST cache on reset: every source then belongs to PE 0.</summary>
    public void Reset() => Array.Clear(_mistPe);

    public static bool IsMsi32Address(ulong address) => (address >> 16) == 0xffff;

    public static bool IsMsi64Address(ulong address) => (address >> 60) == 1;

    /// <summary>The source number from the offset inside the MSI window (64 KiB for 32-bit, 1 MiB for 64-bit MSIs).</summary>
    public static int SourceNumber(ulong address, uint data)
    {
        ulong offset = IsMsi32Address(address) ? address & 0xffff : address & 0xf_ffff;
        return (int)(((offset >> 4) & 0xffff) | (data & 0x1f));
    }

    /// <summary>The 32-bit MSI address and data OPAL_GET_MSI_32 hands out for a source.</summary>
    public static (ulong Address, uint Data) Msi32(uint source) => (0xffff_0000UL | ((source << 4) & 0xffff_fe0f), source & 0x1f);

    /// <summary>The 64-bit MSI address and data OPAL_GET_MSI_64 hands out for a source.</summary>
    public static (ulong Address, uint Data) Msi64(uint source) => ((1UL << 60) | (((ulong)source << 4) & 0xffff_ffff_ffff_fe0f), source & 0x1f);
}
