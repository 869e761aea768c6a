namespace Conformance.Reference.Power;

/// <summary>
/// IODA3 RID Translation Table (RTT): one 16-bit PE number per requester ID (64K entries, <c>ibm,opal-rtt-table</c>),
/// written by OPAL_PCI_SET_PE (skiboot hw/phb4.c <c>phb4_set_pe</c>). The PHB's RID translation cache (RTC) is
/// invalidated by every set_pe, so lookups read the table directly.
/// </summary>
public sealed class RequesterTranslationTable
{
    public const int Entries = 0x10000;
    private readonly ushort[] _rte = new ushort[Entries];

    public RequesterTranslationTable(int initialPe) => Reset(initialPe);

    /// <summary>The PE number the table gives for a requester ID.</summary>
    public int this[ushort rid] => _rte[rid];

    /// <summary>skiboot <c>phb4_init_ioda_cache</c>: every RTE points at the reserved PE.</summary>
    public void Reset(int pe) => Array.Fill(_rte, (ushort)pe);

    /// <summary>
    /// The RID mask OPAL_PCI_SET_PE compares with: bus part <c>((1 &lt;&lt; (bc+1)) - 1) &lt;&lt; (15 - bc)</c> unless the bus
    /// compare is Any, device bits 0xf8 and function bits 0x7 when compared.
    /// </summary>
    public static ushort CompareMask(int busCompare, bool compareDevice, bool compareFunction)
    {
        int mask = busCompare == (int)OpalPciBusCompare.Any ? 0 : ((1 << (busCompare + 1)) - 1) << (15 - busCompare);
        if (compareDevice) mask |= 0xf8;
        if (compareFunction) mask |= 0x7;
        return (ushort)mask;
    }

    /// <summary>Every RID with <c>(rid &amp; mask) == (bdfn &amp; mask)</c> gets <paramref name="pe"/>.</summary>
    public void Map(ushort bdfn, ushort mask, int pe)
    {
        for (int idx = 0; idx < Entries; idx++)
        {
            if ((idx & mask) == (bdfn & mask)) _rte[idx] = (ushort)pe;
        }
    }
}
