using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Groups;

/// <summary>
/// IOMMU groups as Linux 6.1-6.12 forms them for PCI devices: drivers/iommu/iommu.c <c>pci_device_group</c>, called
/// for each translated function in the order the PCI core added it (<see cref="PciTree.ProbeOrder"/>), so each
/// function joins the groups of the functions probed before it exactly as in the kernel. The result does not depend
/// on the order of the topology's device list.
/// </summary>
public static class IsolationGroups
{
    /// <summary>Groups of a topology with the default options and Linux v6.12 quirk tables.</summary>
    public static GroupResult Compute(TopologySpec topology) => Compute(PciTree.Build(topology), GroupOptions.Default);

    public static GroupResult Compute(TopologySpec topology, GroupOptions options) => Compute(PciTree.Build(topology), options);

    public static GroupResult Compute(PciTree tree, GroupOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        options ??= GroupOptions.Default;
        var quirks = options.Quirks ?? Quirks.LinuxQuirks.Linux612;
        var aliases = DmaAliases.For(tree, quirks);
        var acs = new PciAcs(tree, new AcsQuirks(tree, quirks, options, IommuCoverage.HasIvrs(tree)));
        var translated = IommuCoverage.Translated(tree, aliases);

        var grouper = new PciDeviceGroup(tree, aliases, acs);
        foreach (int dev in tree.ProbeOrder)
        {
            if (translated[dev]) grouper.Probe(dev);
        }

        // Collect: each group sorted; groups by first member.
        var members = new List<Bdf>?[grouper.GroupCount];
        var untranslated = new List<Bdf>();
        for (int i = 0; i < tree.Count; i++)
        {
            int g = grouper.GroupOf(i);
            if (g < 0) { untranslated.Add(tree.BdfOf(i)); continue; }
            (members[g] ??= []).Add(tree.BdfOf(i));
        }
        var groups = new List<IReadOnlyList<Bdf>>(members.Length);
        foreach (var m in members)
        {
            if (m is null) continue;
            m.Sort();
            groups.Add(m);
        }
        groups.Sort((a, b) => a[0].CompareTo(b[0]));
        untranslated.Sort();
        return new GroupResult(groups, untranslated);
    }
}
