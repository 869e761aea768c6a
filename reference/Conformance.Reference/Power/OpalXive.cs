namespace Conformance.Reference.Power;

/// <summary>
/// The XIVE OPAL calls a PowerNV host uses to route a PHB's interrupt sources (skiboot <c>hw/xive.c</c>, exploitation
/// mode: Linux's <c>xive_native_init</c> switches to it with OPAL_XIVE_RESET(OPAL_XIVE_MODE_EXPL) at boot, so the
/// model starts there and never answers OPAL_WRONG_STATE). Arguments are taken with skiboot's C types (uint32 girq,
/// uint64 VP truncated to uint32 by <c>xive_set_irq_targetting</c>, uint8 prio, uint32 lirq).
/// </summary>
public sealed class OpalXive(OpalPci pci)
{
    private IEnumerable<Xive> Controllers => pci.Phbs.Select(p => p.Xive).Distinct();

    /// <summary>skiboot <c>xive_from_isn</c>: the XIVE whose IVT holds <paramref name="girq"/> (null: OPAL_PARAMETER).</summary>
    private Xive? For(uint girq) => Controllers.FirstOrDefault(x => x.HasSource(girq));

    /// <summary>OPAL_XIVE_SET_IRQ_CONFIG (131): <c>(girq, vp, prio, lirq)</c>; prio 0xff masks.</summary>
    public OpalRc SetIrqConfig(ulong girq, ulong vp, ulong prio, ulong lirq) =>
        For((uint)girq) is { } x ? x.SetIrqConfig((uint)girq, (uint)vp, (byte)prio, (uint)lirq) : OpalRc.Parameter;

    /// <summary>OPAL_XIVE_GET_IRQ_CONFIG (130): <c>(girq)</c> → out vp, prio, lirq.</summary>
    public OpalResult GetIrqConfig(ulong girq)
    {
        if (For((uint)girq) is not { } x) return OpalResult.Of(OpalRc.Parameter);
        var (rc, vp, prio, lirq) = x.GetIrqConfig((uint)girq);
        return rc == OpalRc.Success ? OpalResult.Of(rc, vp, prio, lirq) : OpalResult.Of(rc);
    }

    /// <summary>
    /// The device-tree property <c>ibm,opal-msi-ranges</c> skiboot exports for a PHB (<c>phb4_add_properties</c>):
    /// the first MSI girq (<c>p-&gt;base_msi</c>) and the MSI count (<c>num_irqs - 8</c>); null for an unknown PHB.
    /// Linux's <c>pnv_pci_init_ioda_msis</c> builds its MSI bitmap from it.
    /// </summary>
    public (uint Base, int Count)? MsiRanges(ulong phbId) =>
        pci.Phb(phbId) is { } p ? (p.Config.EffectiveIrqBase, p.Msi.MsiCount) : null;
}
