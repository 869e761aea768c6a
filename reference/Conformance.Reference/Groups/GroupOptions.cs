namespace Conformance.Reference.Groups;

/// <summary>
/// What an <c>lspci -vvnn</c> listing cannot say but Linux's answer depends on (docs/groups.md, "What an lspci -vvnn
/// cannot carry"). The defaults are what a Linux 6.x kernel with an IOMMU enabled does on ordinary firmware.
/// </summary>
public sealed record GroupOptions
{
    public static GroupOptions Default { get; } = new();

    /// <summary>
    /// Whether <c>pci_quirk_enable_intel_pch_acs</c> succeeded, i.e. PCI_DEV_FLAGS_ACS_ENABLED_QUIRK is set on the
    /// Intel PCH root ports of <c>pci_quirk_intel_pch_acs_ids[]</c>. It succeeds when the LPC bridge (00:1f.0) decodes
    /// RCBA (config offset 0xf0 bit 0), a register <c>lspci -vv</c> does not print; firmware enables it on those PCHs.
    /// </summary>
    public bool IntelPchAcsWorkaroundEnabled { get; init; } = true;

    /// <summary>Quirk tables to use (default: the Linux v6.12 tables shipped with the kit).</summary>
    public Quirks.LinuxQuirks? Quirks { get; init; }
}
