using Conformance.Reference.Groups.Quirks;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Groups;

/// <summary>
/// drivers/pci/quirks.c <c>pci_dev_specific_acs_enabled</c> (Linux v6.12) and the rule functions its table names.
/// Each rule returns -1 for "this quirk does not apply" (the kernel's -ENOTTY/-ENODEV), 0 for "not enabled" and 1
/// for "enabled"; the first entry that returns 0 or 1 decides.
/// </summary>
internal sealed class AcsQuirks(PciTree tree, LinuxQuirks quirks, GroupOptions options, bool hasIvrs)
{
    private const int NotApplicable = -1;
    private const AcsFlags SvRrCrUf = AcsFlags.Required;

    /// <summary><c>pci_dev_specific_acs_enabled</c>: walk the table; PCI_ANY_ID matches any vendor or device.</summary>
    public int SpecificAcsEnabled(int dev, AcsFlags flags)
    {
        var d = tree[dev];
        foreach (var entry in quirks.AcsFor(d.Vendor))
        {
            if (entry.Device is ushort id && id != d.DeviceId) continue;
            int ret = Apply(entry.Rule, dev, d, flags);
            if (ret >= 0) return ret;
        }
        return NotApplicable;
    }

    /// <summary><c>pci_acs_ctrl_enabled(acs_ctrl_req, acs_ctrl_ena)</c>.</summary>
    private static int CtrlEnabled(AcsFlags required, AcsFlags enabled) => (required & enabled) == required ? 1 : 0;

    private int Apply(AcsQuirkRule rule, int dev, DeviceSpec d, AcsFlags flags)
    {
        var type = d.Kind.PortType();
        bool pcie = d.Kind.IsPcie();
        switch (rule)
        {
            case AcsQuirkRule.AmdSouthbridge:
                // pci_quirk_amd_sb_acs: only multifunction devices on the root bus, only when ACPI has an IVRS table.
                if (!tree.IsMultifunction(dev) || !tree.IsOnRootBus(dev)) return NotApplicable;
                if (!hasIvrs) return NotApplicable;
                flags &= AcsFlags.RequestRedirect | AcsFlags.CompletionRedirect | AcsFlags.EgressControl | AcsFlags.DirectTranslated;
                return CtrlEnabled(flags, AcsFlags.RequestRedirect | AcsFlags.CompletionRedirect);

            case AcsQuirkRule.MultifunctionEndpoint:
                return CtrlEnabled(flags, AcsFlags.SourceValidation | AcsFlags.TranslationBlocking | AcsFlags.RequestRedirect
                    | AcsFlags.CompletionRedirect | AcsFlags.UpstreamForwarding | AcsFlags.DirectTranslated);

            case AcsQuirkRule.IntelRciep:
                // pci_quirk_rciep_acs reads the type without checking pci_is_pcie; a conventional function has type 0.
                if (!pcie || type != PciePortType.RcIntegratedEndpoint) return NotApplicable;
                return CtrlEnabled(flags, SvRrCrUf);

            case AcsQuirkRule.QcomRootPort:
            case AcsQuirkRule.NxpRootPort:
            case AcsQuirkRule.XGeneRootPort:
            case AcsQuirkRule.BroadcomIprocRootPort:
                return CtrlEnabled(flags, SvRrCrUf);

            case AcsQuirkRule.IntelPchRootPort:
                // pci_quirk_intel_pch_acs: ACS-like controls exist only once pci_quirk_enable_intel_pch_acs set
                // PCI_DEV_FLAGS_ACS_ENABLED_QUIRK (see GroupOptions.IntelPchAcsWorkaroundEnabled).
                if (!pcie || type != PciePortType.RootPort || !quirks.RuleMatchesDevice(rule, d.DeviceId)) return NotApplicable;
                return CtrlEnabled(flags, options.IntelPchAcsWorkaroundEnabled ? SvRrCrUf : AcsFlags.None);

            case AcsQuirkRule.IntelSptPchRootPort:
            {
                // pci_quirk_intel_spt_pch_acs: the control register is a dword at cap+4 (offset +8), which lspci does not
                // show (it prints the word at +6). pci_quirk_enable_intel_spt_pch_acs ORs (cap & (SV|RR|CR|UF)) into it
                // when the kernel enables ACS, so that is the live value.
                if (!pcie || type != PciePortType.RootPort || !quirks.RuleMatchesDevice(rule, d.DeviceId)) return NotApplicable;
                if (d.Acs is not { } acs) return NotApplicable;
                var cap = (AcsFlags)acs.Cap;
                flags &= cap | AcsFlags.EgressControl;
                return CtrlEnabled(flags, cap & SvRrCrUf);
            }

            case AcsQuirkRule.CaviumRootPort:
                if (!pcie || type != PciePortType.RootPort || !quirks.RuleMatchesDevice(rule, d.DeviceId)) return NotApplicable;
                return CtrlEnabled(flags, SvRrCrUf);

            case AcsQuirkRule.AnnapurnaRootPort:
                if (type != PciePortType.RootPort) return NotApplicable;
                return (flags & ~SvRrCrUf) != 0 ? 0 : 1;

            case AcsQuirkRule.ZhaoxinPort:
                if (!pcie || (type != PciePortType.RootPort && type != PciePortType.Downstream)) return NotApplicable;
                // Other Zhaoxin ports return false: the kernel expects them to implement real ACS one day.
                return quirks.RuleMatchesDevice(rule, d.DeviceId) ? CtrlEnabled(flags, SvRrCrUf) : 0;

            case AcsQuirkRule.WangxunNic:
                return quirks.RuleMatchesDevice(rule, d.DeviceId) ? CtrlEnabled(flags, SvRrCrUf) : 0;

            default:
                return NotApplicable;
        }
    }
}
