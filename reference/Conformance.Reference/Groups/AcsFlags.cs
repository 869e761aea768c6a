namespace Conformance.Reference.Groups;

/// <summary>ACS Capability / Control register bits (PCIe Base §7.7.8.2-3; include/uapi/linux/pci_regs.h PCI_ACS_*).</summary>
[Flags]
public enum AcsFlags : ushort
{
    None = 0,
    /// <summary>PCI_ACS_SV, ACS Source Validation.</summary>
    SourceValidation = 0x01,
    /// <summary>PCI_ACS_TB, ACS Translation Blocking.</summary>
    TranslationBlocking = 0x02,
    /// <summary>PCI_ACS_RR, ACS P2P Request Redirect.</summary>
    RequestRedirect = 0x04,
    /// <summary>PCI_ACS_CR, ACS P2P Completion Redirect.</summary>
    CompletionRedirect = 0x08,
    /// <summary>PCI_ACS_UF, ACS Upstream Forwarding.</summary>
    UpstreamForwarding = 0x10,
    /// <summary>PCI_ACS_EC, ACS P2P Egress Control.</summary>
    EgressControl = 0x20,
    /// <summary>PCI_ACS_DT, ACS Direct Translated P2P.</summary>
    DirectTranslated = 0x40,

    /// <summary>drivers/iommu/iommu.c <c>REQ_ACS_FLAGS</c> (SV | RR | CR | UF): what isolates a function from its peers.</summary>
    Required = SourceValidation | RequestRedirect | CompletionRedirect | UpstreamForwarding,
}
