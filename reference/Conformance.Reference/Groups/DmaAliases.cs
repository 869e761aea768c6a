using System.Numerics;
using Conformance.Reference.Groups.Quirks;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Groups;

/// <summary>Callback of <see cref="DmaAliases.ForEach{T}"/>: Linux's <c>fn(pdev, alias, data)</c>; return true to stop.</summary>
internal interface IDmaAliasVisitor
{
    bool Visit(int device, ushort alias);
}

/// <summary>
/// The requester IDs DMA from a function can carry: drivers/pci/search.c <c>pci_for_each_dma_alias</c> (Linux v6.12),
/// with the DMA-alias fixups of drivers/pci/quirks.c (<c>pci_add_dma_alias</c>, PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS,
/// PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT) and x86 <c>pci_real_dma_dev</c> (a function behind an Intel VMD controller, in a
/// domain above 0xffff, issues DMA as the VMD endpoint).
/// </summary>
public sealed class DmaAliases
{
    private readonly PciTree _tree;
    private readonly int[] _realDmaDev;
    private readonly ulong[]?[] _aliasMask;   // 256-bit dma_alias_mask, or null
    private readonly bool[] _pcieBridgeAlias;
    private readonly bool[] _xlateRoot;
    private readonly bool[] _busHasMask;       // by a representative device: any device on the bus has a mask

    private DmaAliases(PciTree tree, LinuxQuirks quirks)
    {
        _tree = tree;
        int n = tree.Count;
        _realDmaDev = new int[n];
        _aliasMask = new ulong[]?[n];
        _pcieBridgeAlias = new bool[n];
        _xlateRoot = new bool[n];
        _busHasMask = new bool[n];

        // Header fixups (DECLARE_PCI_FIXUP_HEADER), applied to each function as it is scanned.
        for (int i = 0; i < n; i++)
        {
            _realDmaDev[i] = i;
            var d = tree[i];
            foreach (var q in quirks.DmaAliasFor(d.Vendor, d.DeviceId))
            {
                switch (q.Rule)
                {
                    case DmaAliasRule.Func0:
                        // quirk_dma_func0_alias
                        if (d.Bdf.Function != 0) AddAlias(i, (byte)(d.Bdf.Device << 3));
                        break;
                    case DmaAliasRule.Func1:
                        // quirk_dma_func1_alias
                        if (d.Bdf.Function != 1) AddAlias(i, (byte)((d.Bdf.Device << 3) | 1));
                        break;
                    case DmaAliasRule.Fixed:
                        // quirk_fixed_dma_alias matches the subsystem IDs too (pci_match_id with PCI_DEVICE_SUB).
                        if (q.SubsystemVendor is ushort sv && d.SubsystemVendor != sv) break;
                        if (q.SubsystemDevice is ushort sd && d.SubsystemDevice != sd) break;
                        foreach (byte devfn in q.AliasDevfns) AddAlias(i, devfn);
                        break;
                    case DmaAliasRule.PcieBridgeAlias:
                    {
                        // quirk_use_pcie_bridge_dma_alias: a conventional bridge below a PCIe port (not below a
                        // PCIe-to-PCI bridge) is really a PCIe-to-PCI bridge.
                        int up = tree.ParentBridge(i);
                        if (up >= 0 && d.Kind.IsBridge() && !d.Kind.IsPcie() && tree[up].Kind.IsPcie()
                            && tree[up].Kind.PortType() != PciePortType.PcieToPciBridge)
                            _pcieBridgeAlias[i] = true;
                        break;
                    }
                    case DmaAliasRule.BridgeXlateRoot:
                        _xlateRoot[i] = true;
                        break;
                }
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (_aliasMask[i] is null) continue;
            foreach (int peer in tree.BusPeers(i)) _busHasMask[peer] = true;
        }

        // x86 pci_real_dma_dev: is_vmd(bus) (domain > 0xffff) -> the VMD endpoint that created the domain. vmd.c
        // vmd_find_free_domain gives each VMD, in probe order, the next domain above the highest in use (0x10000, ...).
        var controllers = new List<int>();
        for (int i = 0; i < n; i++)
        {
            var d = tree[i];
            if (d.Vendor == 0x8086 && quirks.VmdDeviceIds.Contains(d.DeviceId) && d.Bdf.Segment <= 0xffff) controllers.Add(i);
        }
        if (controllers.Any(c => tree[c].Driver == "vmd")) controllers.RemoveAll(c => tree[c].Driver is { } drv && drv != "vmd");
        var vmdDomains = Enumerable.Range(0, n).Select(i => tree[i].Bdf.Segment).Where(s => s > 0xffff).Distinct().Order().ToList();
        var owner = new Dictionary<int, int>();
        for (int k = 0; k < vmdDomains.Count && k < controllers.Count; k++) owner[vmdDomains[k]] = controllers[k];
        for (int i = 0; i < n; i++)
        {
            if (owner.TryGetValue(tree[i].Bdf.Segment, out int vmd)) _realDmaDev[i] = vmd;
        }
    }

    /// <summary>Builds the alias data of a topology with the given quirk tables (default: Linux v6.12).</summary>
    public static DmaAliases For(PciTree tree, LinuxQuirks? quirks = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        return new DmaAliases(tree, quirks ?? LinuxQuirks.Linux612);
    }

    public PciTree Tree => _tree;

    /// <summary>The requester (segment and RID) that DMA from <paramref name="issuer"/> carries when it reaches the root
    /// complex: the outermost alias <c>pci_for_each_dma_alias</c> yields (the last bridge that takes ownership of the
    /// transaction), else the function's single quirk alias (e.g. Marvell 88SE9123 DMAs as function 1), else the
    /// function itself (behind a VMD: the VMD endpoint). A BDF not in the topology is returned unchanged.</summary>
    public static Bdf WireRequester(TopologySpec topology, Bdf issuer) => For(PciTree.Build(topology)).WireRequester(issuer);

    /// <inheritdoc cref="WireRequester(TopologySpec, Bdf)"/>
    public static Bdf WireRequester(PciTree tree, Bdf issuer) => For(tree).WireRequester(issuer);

    /// <inheritdoc cref="WireRequester(TopologySpec, Bdf)"/>
    public Bdf WireRequester(Bdf issuer)
    {
        if (!_tree.TryFind(issuer, out int dev)) return issuer;
        var v = new WireVisitor { Tree = _tree, Start = _realDmaDev[dev], Result = _tree.BdfOf(_realDmaDev[dev]) };
        ForEach(dev, ref v);
        if (v.BridgeSeen) return v.Result;
        int real = _realDmaDev[dev];
        if (_aliasMask[real] is { } mask && PopCount(mask) == 1)
        {
            byte devfn = FirstDevfn(mask);
            var b = _tree.BdfOf(real);
            return new Bdf(b.Segment, b.Bus, devfn);
        }
        return _tree.BdfOf(real);
    }

    /// <summary>Every requester ID, with its segment, in the order <c>pci_for_each_dma_alias</c> calls its callback:
    /// the function (or its VMD endpoint), its quirk aliases, then the alias of each bridge on the way to the root.</summary>
    public IEnumerable<Bdf> AliasesOf(Bdf issuer)
    {
        if (!_tree.TryFind(issuer, out int dev)) return [issuer];
        var v = new ListVisitor { Tree = _tree, List = [] };
        ForEach(dev, ref v);
        return v.List;
    }

    /// <summary>x86 <c>pci_real_dma_dev</c>: the function whose RID the DMA of <paramref name="issuer"/> starts from.</summary>
    public Bdf RealDmaDevice(Bdf issuer) => _tree.TryFind(issuer, out int dev) ? _tree.BdfOf(_realDmaDev[dev]) : issuer;

    internal int RealDmaDev(int dev) => _realDmaDev[dev];

    /// <summary>drivers/pci/search.c <c>pci_for_each_dma_alias</c>. Returns true when the visitor stopped the walk.</summary>
    internal bool ForEach<T>(int dev, ref T fn) where T : struct, IDmaAliasVisitor
    {
        // The device may issue DMA as another device on another bus (pci_real_dma_dev).
        int pdev = _realDmaDev[dev];
        var b = _tree.BdfOf(pdev);

        // 1. Its own requester ID.
        if (fn.Visit(pdev, b.RequesterId)) return true;

        // 2. Quirk aliases (dma_alias_mask): devfns on the same bus; the callback still gets pdev.
        if (_aliasMask[pdev] is { } mask)
        {
            for (int word = 0; word < 4; word++)
            {
                ulong bits = mask[word];
                while (bits != 0)
                {
                    int bit = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    if (fn.Visit(pdev, (ushort)((b.Bus << 8) | (word * 64 + bit)))) return true;
                }
            }
        }

        // 3. Walk up the buses (virtual buses without bus->self do not occur in a topology: such a bus is a root bus).
        for (int tmp = _tree.ParentBridge(pdev); tmp >= 0; tmp = _tree.ParentBridge(tmp))
        {
            // Stop at the bridge where the translation unit is associated.
            if (_xlateRoot[tmp]) return false;
            var t = _tree[tmp];
            if (t.Kind.IsPcie())
            {
                switch (t.Kind.PortType())
                {
                    case PciePortType.RootPort:
                    case PciePortType.Upstream:
                    case PciePortType.Downstream:
                        continue;
                    case PciePortType.PcieToPciBridge:
                        // PCIe-to-PCI/X bridges take ownership with (secondary bus, devfn 0) (PCIe-to-PCI/PCI-X Bridge spec r1.0 §2.3).
                        if (fn.Visit(tmp, (ushort)((t.Secondary ?? 0) << 8))) return true;
                        continue;
                    case PciePortType.PciToPcieBridge:
                        if (fn.Visit(tmp, t.Bdf.RequesterId)) return true;
                        continue;
                }
            }
            else
            {
                ushort alias = _pcieBridgeAlias[tmp] ? (ushort)((t.Secondary ?? 0) << 8) : t.Bdf.RequesterId;
                if (fn.Visit(tmp, alias)) return true;
            }
        }
        return false;
    }

    /// <summary>drivers/pci/pci.c <c>pci_devs_are_dma_aliases</c>.</summary>
    internal bool AreDmaAliases(int a, int b)
    {
        var ma = _aliasMask[a];
        var mb = _aliasMask[b];
        byte fa = _tree.BdfOf(a).DevFn, fb = _tree.BdfOf(b).DevFn;
        return (ma is not null && (ma[fb >> 6] & (1UL << (fb & 63))) != 0)
            || (mb is not null && (mb[fa >> 6] & (1UL << (fa & 63))) != 0)
            || _realDmaDev[a] == b || _realDmaDev[b] == a;
    }

    /// <summary>True when some function on the bus of <paramref name="dev"/> has a quirk alias (else no two functions
    /// on that bus are DMA aliases of each other, as <c>pci_real_dma_dev</c> only leads to another domain).</summary>
    internal bool BusHasAliases(int dev) => _busHasMask[dev];

    private void AddAlias(int dev, byte devfn)
    {
        var mask = _aliasMask[dev] ??= new ulong[4];
        mask[devfn >> 6] |= 1UL << (devfn & 63);
    }

    private static int PopCount(ulong[] mask) => mask.Sum(w => BitOperations.PopCount(w));

    private static byte FirstDevfn(ulong[] mask)
    {
        for (int w = 0; w < 4; w++)
        {
            if (mask[w] != 0) return (byte)(w * 64 + BitOperations.TrailingZeroCount(mask[w]));
        }
        return 0;
    }

    private struct ListVisitor : IDmaAliasVisitor
    {
        public PciTree Tree;
        public List<Bdf> List;

        public readonly bool Visit(int device, ushort alias)
        {
            List.Add(Bdf.FromRequesterId(Tree.BdfOf(device).Segment, alias));
            return false;
        }
    }

    private struct WireVisitor : IDmaAliasVisitor
    {
        public PciTree Tree;
        public int Start;
        public Bdf Result;
        public bool BridgeSeen;

        public bool Visit(int device, ushort alias)
        {
            if (device != Start)
            {
                BridgeSeen = true;
                Result = Bdf.FromRequesterId(Tree.BdfOf(device).Segment, alias);
            }
            return false;
        }
    }
}
