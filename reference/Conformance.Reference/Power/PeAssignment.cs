using System.Numerics;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Power;

/// <summary>How Linux made a PE (arch/powerpc/platforms/powernv/pci-ioda.c PNV_IODA_PE_*).</summary>
public enum PeKind
{
    /// <summary>The root bus PE, reserved at boot as <c>reserved_pe - 1</c> (<c>root_pe_idx</c>).</summary>
    RootBus,
    /// <summary>PNV_IODA_PE_BUS: every function on one bus behind a bridge.</summary>
    Bus,
    /// <summary>PNV_IODA_PE_BUS_ALL: the whole bus range behind a PCIe-to-PCI bridge.</summary>
    BusAll,
}

/// <summary>One PE Linux configured at boot.</summary>
public sealed record PeInfo(int Segment, int Number, PeKind Kind, int Bus, int BusEnd, IReadOnlyList<Bdf> Members,
    IReadOnlyList<int> Ancestors, IReadOnlyList<int> M32Segments, IReadOnlyList<int> Slaves)
{
    /// <summary>The OPAL_PCI_SET_PE bus compare Linux uses (<c>pnv_ioda_configure_pe</c>).</summary>
    public OpalPciBusCompare BusCompare => Kind != PeKind.BusAll ? OpalPciBusCompare.All : (BusEnd - Bus + 1) switch
    {
        2 => OpalPciBusCompare.Bus7Bits,
        4 => OpalPciBusCompare.Bus6Bits,
        8 => OpalPciBusCompare.Bus5Bits,
        16 => OpalPciBusCompare.Bus4Bits,
        32 => OpalPciBusCompare.Bus3Bits,
        _ => OpalPciBusCompare.All,
    };
}

/// <summary>
/// PE assignment at boot as Linux PowerNV does it (pci-ioda.c, IODA2 = PHB3/PHB4): the root bus gets the root PE
/// (reserved PE - 1); every other bus that has devices gets a bus PE when its first device is added, in
/// <c>pci_bus_add_devices</c> order (a bus's devices, then its child buses depth-first); behind a PCIe-to-PCI bridge
/// one PE covers the whole subordinate range. PE numbers come from the top (<c>pnv_ioda_alloc_pe</c>), except that a
/// bus with BARs in the M64 window takes PE# = its first M64 segment# (<c>pnv_ioda_pick_m64_pe</c>), further segments
/// becoming slave PEs of a compound PE. Each PE is in its own PELT-V and in every ancestor bridge PE's PELT-V; the M32
/// segments covering its BARs are mapped to it. The result is the platform's isolation groups.
/// </summary>
public sealed class PeAssignment
{
    private readonly List<PeInfo> _pes = [];
    private readonly Dictionary<(Bdf, int), ulong> _assigned = [];
    private readonly Dictionary<Bdf, int> _peOf = [];

    private PeAssignment() { }

    public IReadOnlyList<PeInfo> Pes => _pes;

    /// <summary>BAR bases the assignment chose for BARs the topology gave without a base (PCI bus addresses).</summary>
    public IReadOnlyDictionary<(Bdf Function, int Bar), ulong> AssignedBarBases => _assigned;

    /// <summary>The isolation groups: each PE's functions, sorted; groups sorted by their first member.</summary>
    public IReadOnlyList<IReadOnlyList<Bdf>> PeGroups =>
        _pes.Where(p => p.Members.Count > 0).Select(p => (IReadOnlyList<Bdf>)p.Members.Order().ToList()).OrderBy(g => g[0]).ToList();

    public int? PeOf(Bdf function) => _peOf.TryGetValue(function, out int pe) ? pe : null;

    /// <summary>Assigns PEs for every PCI segment of <paramref name="topology"/>, each segment a PHB with <paramref name="numPe"/> PEs and skiboot's default 2 GB M32 window.</summary>
    public static PeAssignment FromTopology(TopologySpec topology, int numPe = 512)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var configs = topology.Devices.Select(d => d.Bdf.Segment).Distinct()
            .Select(s => new PhbConfig { Id = $"phb{s}", PhbId = (ulong)s, Segment = s, NumPe = numPe }).ToList();
        return FromTopology(topology, configs);
    }

    /// <summary>
    /// Assigns PEs for each PHB's segment of <paramref name="topology"/>. <paramref name="barBase"/>, when given, says where
    /// each BAR really is (the live configuration space); otherwise the topology's bases are used, and BARs without one
    /// are placed in M32.
    /// </summary>
    public static PeAssignment FromTopology(TopologySpec topology, IReadOnlyList<PhbConfig> phbs, Func<Bdf, int, ulong?>? barBase = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(phbs);
        var result = new PeAssignment();
        foreach (var phb in phbs)
        {
            var devices = topology.Devices.Where(d => d.Bdf.Segment == phb.Segment).ToList();
            if (devices.Count > 0) new Builder(result, phb, devices, barBase).Run();
        }
        return result;
    }

    /// <summary>
    /// Programs <paramref name="phb"/>'s PEs through OPAL as firmware and kernel do at boot: the IODA reset, M64 (last BAR,
    /// split mode), and per PE in configure order: set_pe, PELT-V (self, slaves, ancestors), M32 segments.
    /// Returns every call made with its result.
    /// </summary>
    public IReadOnlyList<(string Call, ulong[] Args, OpalResult Result)> Program(OpalPci opal, PhbConfig phb)
    {
        ArgumentNullException.ThrowIfNull(opal);
        ArgumentNullException.ThrowIfNull(phb);
        var log = new List<(string, ulong[], OpalResult)>();
        void Do(OpalToken t, params ulong[] args) => log.Add((t.ToString(), args, opal.Call(t, args)));
        ulong id = phb.PhbId;
        Do(OpalToken.OPAL_PCI_RESET, id, (ulong)OpalPciResetScope.PciIodaTable, (ulong)OpalPciResetState.Assert);
        if (phb.M64 is { } m64)
        {
            ulong bar = (ulong)(phb.MbtSize - 1);
            Do(OpalToken.OPAL_PCI_SET_PHB_MEM_WINDOW, id, (ulong)OpalMmioWindowType.M64, bar, m64.PciBase, 0, m64.Size);
            Do(OpalToken.OPAL_PCI_PHB_MMIO_ENABLE, id, (ulong)OpalMmioWindowType.M64, bar, (ulong)OpalM64Action.EnableSplit);
        }
        foreach (var pe in _pes.Where(p => p.Segment == phb.Segment))
        {
            // pnv_ioda_configure_pe: the RID range goes to the master PE only.
            Do(OpalToken.OPAL_PCI_SET_PE, id, (ulong)pe.Number, (ulong)(pe.Bus << 8), (ulong)pe.BusCompare, 0, 0, (ulong)OpalPeAction.Map);
            // pnv_ioda_set_peltv: unfreeze master and slaves, then set_one_peltv(pe, pe), (slave, pe), (ancestor, pe);
            // set_one_peltv(parent, child) adds the child and, for a master child, each of its slaves.
            var compound = pe.Slaves.Prepend(pe.Number).ToList();
            foreach (int n in compound)
                Do(OpalToken.OPAL_PCI_EEH_FREEZE_CLEAR, id, (ulong)n, (ulong)OpalEehAction.All);
            foreach (int parent in compound.Concat(pe.Ancestors))
            {
                foreach (int child in compound)
                    Do(OpalToken.OPAL_PCI_SET_PELTV, id, (ulong)parent, (ulong)child, (ulong)OpalPeltvAction.AddPeToDomain);
            }
            // pnv_ioda_setup_pe_seg: the M32 segments of the PE's BARs.
            foreach (int seg in pe.M32Segments)
                Do(OpalToken.OPAL_PCI_MAP_PE_MMIO_WINDOW, id, (ulong)pe.Number, (ulong)OpalMmioWindowType.M32, 0, (ulong)seg);
        }
        return log;
    }

    private sealed class Builder(PeAssignment result, PhbConfig phb, List<DeviceSpec> devices, Func<Bdf, int, ulong?>? liveBase)
    {
        private readonly bool[] _used = new bool[phb.NumPe];
        private readonly HashSet<int> _visited = [];
        private readonly Dictionary<int, List<DeviceSpec>> _byBus = devices.GroupBy(d => (int)d.Bdf.Bus)
            .ToDictionary(g => g.Key, g => g.OrderBy(d => d.Bdf.DevFn).ToList());
        private ulong _m32Cursor = phb.M32.PciBase;

        public void Run()
        {
            _used[phb.ReservedPe] = true;
            int rootPe = phb.ReservedPe - 1;
            _used[rootPe] = true;
            // Root buses: buses no bridge of the topology forwards to.
            var bridged = devices.Where(d => d.Kind.IsBridge() && d.Secondary is not null)
                .Select(d => (Lo: (int)d.Secondary!.Value, Hi: (int)(d.Subordinate ?? d.Secondary!.Value))).ToList();
            var roots = _byBus.Keys.Where(b => !bridged.Any(r => b >= r.Lo && b <= r.Hi)).Order().ToList();
            foreach (int bus in roots) Visit(bus, parentBridge: null, ancestors: [], rootPe);
        }

        private void Visit(int bus, DeviceSpec? parentBridge, List<int> ancestors, int rootPe)
        {
            if (!_byBus.TryGetValue(bus, out var onBus) || onBus.Count == 0) return; // no PE for an empty bus
            if (!_visited.Add(bus)) return; // two bridges claiming one bus: the first one found wins
            bool all = parentBridge is { Kind: DeviceKind.PcieToPciBridge };
            int busEnd = all ? (parentBridge!.Subordinate ?? parentBridge.Secondary ?? (byte)bus) : bus;
            var members = all ? devices.Where(d => d.Bdf.Bus >= bus && d.Bdf.Bus <= busEnd && !result._peOf.ContainsKey(d.Bdf)).OrderBy(d => d.Bdf).ToList() : onBus;
            if (all) foreach (var d in members) _visited.Add(d.Bdf.Bus);
            PeKind kind = parentBridge is null ? PeKind.RootBus : all ? PeKind.BusAll : PeKind.Bus;

            if (liveBase is null) AssignMissingBars(members);
            int number;
            var slaves = new List<int>();
            if (kind == PeKind.RootBus) number = rootPe;
            else if (PickM64(members, out int master, out var extra)) { number = master; slaves = extra; }
            else number = Allocate();
            if (number < 0) return; // out of PEs: Linux leaves the bus without a PE
            foreach (var d in members) result._peOf[d.Bdf] = number;
            var segments = M32Segments(members);
            result._pes.Add(new PeInfo(phb.Segment, number, kind, bus, busEnd, members.Select(d => d.Bdf).ToList(),
                ancestors.ToList(), segments, slaves));
            if (all) return;
            // Child buses, depth-first in device order (pci_bus_add_devices).
            var childAncestors = ancestors.Append(number).ToList();
            foreach (var bridge in onBus.Where(d => d.Kind.IsBridge() && d.Secondary is not null))
                Visit(bridge.Secondary!.Value, bridge, childAncestors, rootPe);
        }

        private int Allocate()
        {
            for (int pe = phb.NumPe - 1; pe >= 0; pe--)
            {
                if (!_used[pe]) { _used[pe] = true; return pe; }
            }
            return -1;
        }

        private IEnumerable<(DeviceSpec Device, BarSpec Bar, ulong Base)> MemoryBars(IEnumerable<DeviceSpec> members)
        {
            foreach (var d in members)
            {
                foreach (var b in d.Bars)
                {
                    if (b.Kind == BarKind.Io) continue;
                    ulong? baseAddress = liveBase is not null ? liveBase(d.Bdf, b.Index)
                        : b.Base ?? (result._assigned.TryGetValue((d.Bdf, b.Index), out ulong a) ? a : null);
                    if (baseAddress is { } x) yield return (d, b, x);
                }
            }
        }

        private bool PickM64(List<DeviceSpec> members, out int master, out List<int> slaves)
        {
            master = -1;
            slaves = [];
            if (phb.M64 is not { } w) return false;
            var segs = new SortedSet<int>();
            foreach (var (_, bar, b) in MemoryBars(members))
            {
                if (!w.ContainsPci(b)) continue;
                ulong first = (b - w.PciBase) / phb.M64SegmentSize;
                ulong last = (Math.Min(b + bar.Size, w.PciBase + w.Size) - 1 - w.PciBase) / phb.M64SegmentSize;
                for (ulong s = first; s <= last; s++) segs.Add((int)s);
            }
            if (segs.Count == 0 || segs.Any(s => _used[s])) return false; // taken: fall back to allocation
            foreach (int s in segs) _used[s] = true;
            master = segs.Min;
            slaves = segs.Skip(1).ToList();
            return true;
        }

        private List<int> M32Segments(List<DeviceSpec> members)
        {
            var segs = new SortedSet<int>();
            ulong segSize = phb.M32SegmentSize;
            foreach (var (_, bar, b) in MemoryBars(members))
            {
                if (!phb.M32.ContainsPci(b)) continue;
                ulong end = Math.Min(b + bar.Size, phb.M32.PciBase + phb.M32.Size) - 1;
                for (ulong s = (b - phb.M32.PciBase) / segSize; s <= (end - phb.M32.PciBase) / segSize && s < (ulong)phb.NumPe; s++)
                    segs.Add((int)s);
            }
            return segs.ToList();
        }

        /// <summary>BARs without a base are placed in M32, each PE's BARs from a fresh segment, naturally aligned
        /// (Linux aligns bridge windows to the M32 segment size, <c>pnv_pci_window_alignment</c>).</summary>
        private void AssignMissingBars(List<DeviceSpec> members)
        {
            var missing = members.SelectMany(d => d.Bars.Where(b => b.Kind != BarKind.Io && b.Base is null && !result._assigned.ContainsKey((d.Bdf, b.Index)))
                .Select(b => (d, b))).OrderByDescending(x => x.b.Size).ToList();
            if (missing.Count == 0) return;
            ulong seg = phb.M32SegmentSize;
            ulong cursor = Align(_m32Cursor, seg);
            foreach (var (d, b) in missing)
            {
                ulong size = BitOperations.IsPow2(b.Size) ? b.Size : BitOperations.RoundUpToPowerOf2(b.Size);
                ulong at = Align(cursor, Math.Max(size, 0x1000));
                if (at + b.Size > phb.M32.PciBase + phb.M32.Size) continue; // does not fit: left unassigned
                result._assigned[(d.Bdf, b.Index)] = at;
                cursor = at + Math.Max(b.Size, 0x1000);
            }
            _m32Cursor = cursor;
        }

        private static ulong Align(ulong x, ulong a) => (x + a - 1) & ~(a - 1);
    }
}
