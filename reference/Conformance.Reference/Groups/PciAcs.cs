using Conformance.Reference.Topology;

namespace Conformance.Reference.Groups;

/// <summary>
/// drivers/pci/pci.c (Linux v6.12) <c>pci_acs_enabled</c>, <c>pci_acs_flags_enabled</c> and <c>pci_acs_path_enabled</c>.
/// Only <see cref="AcsFlags.Required"/> is ever asked for by the grouping code, so answers are cached per function.
/// </summary>
internal sealed class PciAcs(PciTree tree, AcsQuirks quirks)
{
    private readonly sbyte[] _enabled = new sbyte[tree.Count]; // 0 unknown, 1 false, 2 true (for AcsFlags.Required)

    /// <summary><c>pci_acs_enabled(pdev, REQ_ACS_FLAGS)</c>.</summary>
    public bool Enabled(int dev)
    {
        if (_enabled[dev] == 0) _enabled[dev] = (sbyte)(Compute(dev, AcsFlags.Required) ? 2 : 1);
        return _enabled[dev] == 2;
    }

    /// <summary><c>pci_acs_enabled</c> for any flag set.</summary>
    public bool Compute(int dev, AcsFlags flags)
    {
        // 1. Device-specific quirks decide first (pci_dev_specific_acs_enabled).
        int ret = quirks.SpecificAcsEnabled(dev, flags);
        if (ret >= 0) return ret > 0;

        // 2. Conventional PCI and PCI-X never isolate: the shared bus lets any device see DMA.
        var d = tree[dev];
        if (!d.Kind.IsPcie()) return false;

        // 3. By PCIe port type (PCIe 3.0 §6.12.1).
        switch (d.Kind.PortType())
        {
            case PciePortType.PciToPcieBridge:
            case PciePortType.PcieToPciBridge:
            case PciePortType.RcEventCollector:
                return false;
            case PciePortType.Downstream:
            case PciePortType.RootPort:
                return FlagsEnabled(d, flags);
            case PciePortType.Endpoint:
            case PciePortType.Upstream:
            case PciePortType.LegacyEndpoint:
            case PciePortType.RcIntegratedEndpoint:
                if (!tree.IsMultifunction(dev)) break;
                return FlagsEnabled(d, flags);
        }
        // 4. No ACS applies to single-function devices other than downstream ports.
        return true;
    }

    /// <summary><c>pci_acs_flags_enabled</c>: flags the capability lacks count as hard-wired enabled, except EC.</summary>
    private static bool FlagsEnabled(DeviceSpec d, AcsFlags flags)
    {
        if (d.Acs is not { } acs) return false;
        flags &= (AcsFlags)acs.Cap | AcsFlags.EgressControl;
        return ((AcsFlags)acs.Ctl & flags) == flags;
    }

    /// <summary><c>pci_acs_path_enabled(start, NULL, REQ_ACS_FLAGS)</c>: every function from <paramref name="start"/>
    /// up to and including the one on the root bus passes.</summary>
    public bool PathEnabled(int start)
    {
        int pdev = start;
        while (true)
        {
            if (!Enabled(pdev)) return false;
            if (tree.IsOnRootBus(pdev)) return true;
            pdev = tree.ParentBridge(pdev);
            // Only bridges start this walk, and no bridge sits on a virtual (VF) bus, whose bus->self is NULL.
            if (pdev < 0) return true;
        }
    }
}
