using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

/// <summary>
/// ACS Capability/Control register bits (PCIe Base §7.7.8.2-3; include/uapi/linux/pci_regs.h PCI_ACS_*), and the
/// register values real ports show in <c>lspci -vv</c> (shared/fixtures/topologies).
/// </summary>
public static class AcsBits
{
    public const ushort SourceValidation = 0x01;
    public const ushort TranslationBlocking = 0x02;
    public const ushort RequestRedirect = 0x04;
    public const ushort CompletionRedirect = 0x08;
    public const ushort UpstreamForwarding = 0x10;
    public const ushort EgressControl = 0x20;
    public const ushort DirectTranslatedP2P = 0x40;

    /// <summary>Linux <c>REQ_ACS_FLAGS</c> (drivers/iommu/iommu.c): SV | RR | CR | UF = 0x1d.</summary>
    public const ushort RequiredForIsolation = SourceValidation | RequestRedirect | CompletionRedirect | UpstreamForwarding;

    /// <summary>The control value Linux's <c>pci_std_enable_acs</c> leaves: each of SV, RR, CR, UF the port implements.</summary>
    public static ushort KernelEnabled(ushort cap) => (ushort)(cap & RequiredForIsolation);

    /// <summary>Typical root/downstream port: SV TB RR CR UF DT implemented (0x5f), kernel enabled SV RR CR UF (0x1d).</summary>
    public static AcsSpec FullPort => new(0x5f, 0x1d);

    /// <summary>AMD internal GPP bridges (e.g. 1022:1484): only SV and TB implemented; RR/CR/UF are missing from the cap
    /// (fixture 01, 00:07.1). Linux treats a missing flag as hard-wired enabled.</summary>
    public static AcsSpec SvTbOnly => new(0x03, 0x01);

    /// <summary>Multifunction endpoints that carry an ACS capability with nothing implemented (fixture 01, X550 24:00.x).</summary>
    public static AcsSpec AllZero => new(0x00, 0x00);

    /// <summary>Returns <paramref name="acs"/> with every isolation bit the port implements switched on in the control register.</summary>
    public static AcsSpec? EnableForIsolation(AcsSpec? acs) =>
        acs is null ? null : acs with { Ctl = (ushort)(acs.Ctl | KernelEnabled(acs.Cap)) };
}
