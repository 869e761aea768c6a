using Conformance.Reference.Topology;

namespace Conformance.Reference.Groups;

/// <summary>
/// drivers/iommu/iommu.c (Linux v6.12) <c>pci_device_group</c> and its helpers <c>get_pci_alias_or_group</c>,
/// <c>get_pci_alias_group</c> and <c>get_pci_function_alias_group</c>. A group is a number; -1 is "no group yet"
/// (<c>iommu_group_get</c> returning NULL).
/// </summary>
internal sealed class PciDeviceGroup(PciTree tree, DmaAliases aliases, PciAcs acs)
{
    private readonly int[] _group = NewGroups(tree.Count);

    public int GroupCount { get; private set; }

    public int GroupOf(int dev) => _group[dev];

    /// <summary>Probe one function: find or allocate its group (<c>iommu_group_add_device</c> of the result).</summary>
    public void Probe(int dev)
    {
        if (_group[dev] < 0) _group[dev] = DeviceGroup(dev);
    }

    private int DeviceGroup(int start)
    {
        var visited = new ulong[4]; // u64 devfns[4]

        // 1. Find the upstream DMA alias. A device aliased by topology cannot have its own group; an alias that
        //    already has a group decides (get_pci_alias_or_group).
        var data = new AliasOrGroup { Groups = _group, Device = start, Group = -1 };
        if (aliases.ForEach(start, ref data)) return data.Group;
        int pdev = data.Device;

        // 2. Continue upstream to the point where ACS protects against peer-to-peer DMA.
        for (int self = tree.ParentBridge(pdev); self >= 0; self = tree.ParentBridge(self))
        {
            if (acs.PathEnabled(self)) break;
            pdev = self;
            if (_group[pdev] >= 0) return _group[pdev];
        }

        // 3. Devices that alias us or that we alias (same bus).
        int g = AliasGroup(pdev, visited);
        if (g >= 0) return g;

        // 4. Non-isolated functions of the same slot, and their aliases.
        g = FunctionAliasGroup(pdev, visited);
        if (g >= 0) return g;

        // 5. A new group.
        return GroupCount++;
    }

    /// <summary><c>get_pci_function_alias_group</c>.</summary>
    private int FunctionAliasGroup(int pdev, ulong[] visited)
    {
        if (!tree.IsMultifunction(pdev) || acs.Enabled(pdev)) return -1;
        int slot = tree.BdfOf(pdev).Device;
        foreach (int tmp in tree.BusPeers(pdev))
        {
            if (tmp == pdev || tree.BdfOf(tmp).Device != slot || acs.Enabled(tmp)) continue;
            int g = AliasGroup(tmp, visited);
            if (g >= 0) return g;
        }
        return -1;
    }

    /// <summary><c>get_pci_alias_group</c>: the 256-bit visited set stops alias loops.</summary>
    private int AliasGroup(int pdev, ulong[] visited)
    {
        byte devfn = tree.BdfOf(pdev).DevFn;
        ulong bit = 1UL << (devfn & 63);
        if ((visited[devfn >> 6] & bit) != 0) return -1;
        visited[devfn >> 6] |= bit;

        if (_group[pdev] >= 0) return _group[pdev];
        if (!aliases.BusHasAliases(pdev)) return -1;

        foreach (int tmp in tree.BusPeers(pdev))
        {
            if (tmp == pdev || !aliases.AreDmaAliases(pdev, tmp)) continue;
            int g = AliasGroup(tmp, visited);
            if (g >= 0) return g;
            g = FunctionAliasGroup(tmp, visited);
            if (g >= 0) return g;
        }
        return -1;
    }

    private static int[] NewGroups(int n)
    {
        var a = new int[n];
        Array.Fill(a, -1);
        return a;
    }

    /// <summary><c>get_pci_alias_or_group</c>: remember the last device seen; stop at the first with a group.</summary>
    private struct AliasOrGroup : IDmaAliasVisitor
    {
        public int[] Groups;
        public int Device;
        public int Group;

        public bool Visit(int device, ushort alias)
        {
            Device = device;
            Group = Groups[device];
            return Group >= 0;
        }
    }
}
