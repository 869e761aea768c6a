using Conformance.Reference.Topology;

namespace Conformance.Reference.Groups;

/// <summary>
/// Which functions an IOMMU translates, as far as a topology can tell (firmware tables decide on a real machine:
/// DMAR device scopes on Intel, IVHD device entries on AMD; docs/groups.md).
/// </summary>
/// <remarks>
/// Rule (AMD-Vi): an AMD IOMMU is itself a PCI function (vendor 0x1022, class 0x0806). drivers/iommu/amd/init.c
/// (<c>init_iommu_one</c>) clears its own entry in the reverse-lookup table ("Make sure IOMMU is not considered to
/// translate itself"), so <c>amd_iommu_probe_device</c> (<c>check_device</c>) refuses it; and AMD firmware starts the
/// IVHD device range just after the IOMMU's own function (e.g. "DEV_SELECT_RANGE_START devid: c0:00.3" for the IOMMU
/// at c0:00.2, amd_iommu_dump output in openvelinux/kernel PR #50), so the lower functions of that slot (the root
/// complex at devfn 0) are outside every range. Such functions are untranslated. Every other function, including
/// functions behind an untranslated one, is translated (Intel DMAR units with INCLUDE_PCI_ALL cover every device; a
/// VMD child is translated when its VMD endpoint is).
/// </remarks>
internal static class IommuCoverage
{
    public const ushort AmdVendor = 0x1022;
    /// <summary>PCI class 08h/06h: IOMMU (PCI Code and ID Assignment spec).</summary>
    public const uint IommuClass = 0x0806;

    public static bool IsAmdIommu(DeviceSpec d) => d.Vendor == AmdVendor && (d.ClassCode >> 8) == IommuClass;

    /// <summary>translated[i] for each function of the tree.</summary>
    public static bool[] Translated(PciTree tree, DmaAliases aliases)
    {
        var translated = new bool[tree.Count];
        Array.Fill(translated, true);
        for (int i = 0; i < tree.Count; i++)
        {
            if (!IsAmdIommu(tree[i])) continue;
            var iommu = tree.BdfOf(i);
            foreach (int peer in tree.BusPeers(i))
            {
                var b = tree.BdfOf(peer);
                if (b.Device == iommu.Device && b.Function <= iommu.Function) translated[peer] = false;
            }
        }
        for (int i = 0; i < tree.Count; i++)
        {
            int real = aliases.RealDmaDev(i);
            if (real != i && !translated[real]) translated[i] = false;
        }
        return translated;
    }

    /// <summary>An AMD IOMMU function is listed, so ACPI has an IVRS table (used by <c>pci_quirk_amd_sb_acs</c>).</summary>
    public static bool HasIvrs(PciTree tree)
    {
        for (int i = 0; i < tree.Count; i++)
        {
            if (IsAmdIommu(tree[i])) return true;
        }
        return false;
    }
}
