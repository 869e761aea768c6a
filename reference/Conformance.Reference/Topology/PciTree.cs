using Conformance.Reference.Pci;
using Conformance.Reference.Text;

namespace Conformance.Reference.Topology;

/// <summary>
/// The bus hierarchy of a <see cref="TopologySpec"/>, as Linux's PCI core builds it while it scans
/// (drivers/pci/probe.c <c>pci_scan_child_bus_extend</c>): each bus knows the bridge above it (<c>bus-&gt;self</c>,
/// the bridge whose secondary bus number it is), each bridge knows the functions on its secondary bus, and each
/// function its multifunction state. Functions are addressed by an index (0..Count-1) in probe order.
/// </summary>
/// <remarks>
/// A bus no bridge claims as its secondary bus is a root bus (a host bridge's bus, an Intel VMD domain's bus, or a
/// bus whose bridge the input left out). The tree is immutable and safe to share.
/// </remarks>
public sealed class PciTree
{
    private readonly DeviceSpec[] _devices;     // index = probe order
    private readonly int[] _busOf;              // device -> bus index
    private readonly int[] _busSelf;            // bus -> the bridge above it, skipping virtual buses; -1 when none
    private readonly bool[] _busIsRoot;         // bus -> pci_is_root_bus (no parent bus at all)
    private readonly int[][] _busDevices;       // bus -> devices on it, by devfn
    private readonly int[] _childBus;           // bridge device -> its secondary bus index, or -1
    private readonly bool[] _multifunction;
    private readonly Dictionary<Bdf, int> _byBdf;

    private PciTree(TopologySpec topology, DeviceSpec[] devices, int[] busOf, int[] busSelf, bool[] busIsRoot, int[][] busDevices,
        int[] childBus, bool[] multifunction, Dictionary<Bdf, int> byBdf)
    {
        Topology = topology;
        _devices = devices;
        _busOf = busOf;
        _busSelf = busSelf;
        _busIsRoot = busIsRoot;
        _busDevices = busDevices;
        _childBus = childBus;
        _multifunction = multifunction;
        _byBdf = byBdf;
    }

    public TopologySpec Topology { get; }

    /// <summary>Number of functions.</summary>
    public int Count => _devices.Length;

    /// <summary>The function with index <paramref name="index"/> (indices are in Linux's probe order).</summary>
    public DeviceSpec this[int index] => _devices[index];

    public Bdf BdfOf(int index) => _devices[index].Bdf;

    /// <summary>All functions in the order Linux adds them to the device list: segment by segment, each root bus
    /// depth-first (the functions of a bus by devfn, then the buses behind each of its bridges, by devfn); SR-IOV
    /// virtual functions last, in the order of their physical functions.</summary>
    public IEnumerable<int> ProbeOrder => Enumerable.Range(0, _devices.Length);

    public bool TryFind(Bdf bdf, out int index) => _byBdf.TryGetValue(bdf, out index);

    public int IndexOf(Bdf bdf) =>
        _byBdf.TryGetValue(bdf, out int i) ? i : throw new ArgumentException($"{bdf} is not a function of this topology", nameof(bdf));

    /// <summary>The bridge above the function's bus: Linux <c>dev-&gt;bus-&gt;self</c>, where the walks of
    /// <c>pci_for_each_dma_alias</c> and <c>pci_device_group</c> skip virtual buses (SR-IOV VF buses, which have no
    /// <c>self</c>) and go on to the parent bus. -1 when no bridge is above.</summary>
    public int ParentBridge(int index) => _busSelf[_busOf[index]];

    /// <summary>Linux <c>pci_is_root_bus(dev-&gt;bus)</c> (a virtual VF bus is not a root bus).</summary>
    public bool IsOnRootBus(int index) => _busIsRoot[_busOf[index]];

    /// <summary>True for an SR-IOV virtual function whose physical function is in the topology.</summary>
    public bool IsVirtualFunction(int index) => _devices[index].PhysicalFunction is Bdf pf && _byBdf.ContainsKey(pf);

    /// <summary>True when both functions sit on the same bus (Linux compares <c>struct pci_bus</c> pointers).</summary>
    public bool SameBus(int a, int b) => _busOf[a] == _busOf[b];

    /// <summary>The functions on the same bus as <paramref name="index"/> (itself included), by devfn.</summary>
    public IReadOnlyList<int> BusPeers(int index) => _busDevices[_busOf[index]];

    /// <summary>The functions on a bridge's secondary bus, by devfn (empty for a non-bridge or an empty bus).</summary>
    public IReadOnlyList<int> Children(int bridge) => _childBus[bridge] < 0 ? [] : _busDevices[_childBus[bridge]];

    /// <summary>Header-type bit 7 (Linux <c>pdev-&gt;multifunction</c>): the spec's value, else inferred from another
    /// function in the same slot (lspci does not print the bit).</summary>
    public bool IsMultifunction(int index) => _multifunction[index];

    /// <summary>Builds the tree. Throws <see cref="InputException"/> for a topology no bus scan could produce
    /// (a duplicate function, two bridges claiming one secondary bus, a bridge loop).</summary>
    public static PciTree Build(TopologySpec topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var specs = topology.Devices;
        string file = topology.File ?? "<topology>";

        // 1. Index functions by address and buses by (segment, bus number).
        var byBdf = new Dictionary<Bdf, int>(specs.Count);
        for (int i = 0; i < specs.Count; i++)
        {
            if (!byBdf.TryAdd(specs[i].Bdf, i)) throw Error(file, specs[i], $"duplicate function {specs[i].Bdf}");
        }
        var busIndex = new Dictionary<long, int>();
        var busKeys = new List<long>();
        int BusId(int segment, int bus)
        {
            long key = ((long)segment << 8) | (uint)bus;
            if (!busIndex.TryGetValue(key, out int b))
            {
                b = busKeys.Count;
                busIndex[key] = b;
                busKeys.Add(key);
            }
            return b;
        }
        var busOfSpec = new int[specs.Count];
        for (int i = 0; i < specs.Count; i++) busOfSpec[i] = BusId(specs[i].Bdf.Segment, specs[i].Bdf.Bus);

        // 2. bus->self: the bridge whose secondary bus number this bus is.
        var selfOfBus = new List<int>();
        for (int b = 0; b < busKeys.Count; b++) selfOfBus.Add(-1);
        var childOfSpec = new int[specs.Count];
        for (int i = 0; i < specs.Count; i++)
        {
            childOfSpec[i] = -1;
            var d = specs[i];
            if (!d.Kind.IsBridge() || d.Secondary is not byte sec) continue;
            int b = BusId(d.Bdf.Segment, sec);
            while (selfOfBus.Count < busKeys.Count) selfOfBus.Add(-1);
            if (selfOfBus[b] >= 0)
                throw Error(file, d, $"bridge {d.Bdf} and bridge {specs[selfOfBus[b]].Bdf} both claim secondary bus {sec:x2}");
            selfOfBus[b] = i;
            childOfSpec[i] = b;
        }
        while (selfOfBus.Count < busKeys.Count) selfOfBus.Add(-1);

        // 3. The parent bus: the bus of bus->self; for a bus no bridge claims, the physical function's bus when it
        //    holds SR-IOV virtual functions of a PF on another bus (iov.c virtfn_add_bus: pci_add_new_bus(pf->bus,
        //    NULL, busnr)); otherwise none (a root bus).
        int busCount = busKeys.Count;
        bool IsVf(DeviceSpec d) => d.PhysicalFunction is Bdf pf && byBdf.ContainsKey(pf);
        var parentBus = new int[busCount];
        for (int b = 0; b < busCount; b++) parentBus[b] = selfOfBus[b] >= 0 ? busOfSpec[selfOfBus[b]] : -1;
        for (int i = 0; i < specs.Count; i++)
        {
            int b = busOfSpec[i];
            if (selfOfBus[b] >= 0 || parentBus[b] >= 0 || !IsVf(specs[i])) continue;
            int pfBus = busOfSpec[byBdf[specs[i].PhysicalFunction!.Value]];
            if (pfBus != b) parentBus[b] = pfBus;
        }

        // 4. No bridge may sit below itself.
        var state = new byte[busCount]; // 0 unknown, 1 walking, 2 reaches a root bus
        for (int b0 = 0; b0 < busCount; b0++)
        {
            var path = new List<int>();
            int b = b0;
            while (state[b] == 0)
            {
                state[b] = 1;
                path.Add(b);
                if (parentBus[b] < 0) break;
                b = parentBus[b];
            }
            if (state[b] == 1 && parentBus[b] >= 0)
            {
                var culprit = selfOfBus[b] >= 0 ? specs[selfOfBus[b]] : specs[busOfSpec.ToList().IndexOf(b)];
                throw Error(file, culprit, $"{culprit.Bdf} is below its own secondary bus (a bus-number loop)");
            }
            foreach (int p in path) state[p] = 2;
        }

        // 5. Devices of each bus by devfn; probe order = Linux's depth-first scan, then the virtual functions (added
        //    when a PF driver enables SR-IOV, after the IOMMU is up), PF by PF.
        var onBus = new List<int>[busCount];
        for (int b = 0; b < busCount; b++) onBus[b] = [];
        for (int i = 0; i < specs.Count; i++) onBus[busOfSpec[i]].Add(i);
        foreach (var l in onBus) l.Sort((x, y) => specs[x].Bdf.DevFn.CompareTo(specs[y].Bdf.DevFn));

        var roots = Enumerable.Range(0, busCount).Where(b => parentBus[b] < 0).OrderBy(b => busKeys[b]).ToList();
        var order = new List<int>(specs.Count);
        var placed = new bool[specs.Count];
        void AddBus(int bus)
        {
            foreach (int i in onBus[bus])
            {
                if (IsVf(specs[i])) continue;
                order.Add(i);
                placed[i] = true;
            }
        }
        var stack = new Stack<(int Bus, int Next)>();
        foreach (int root in roots)
        {
            // pci_scan_child_bus_extend: add every function of the bus, then scan behind each bridge in devfn order.
            AddBus(root);
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (bus, next) = stack.Pop();
                var list = onBus[bus];
                while (next < list.Count && childOfSpec[list[next]] < 0) next++;
                if (next >= list.Count) continue;
                stack.Push((bus, next + 1));
                int child = childOfSpec[list[next]];
                AddBus(child);
                stack.Push((child, 0));
            }
        }
        var position = new int[specs.Count];
        for (int k = 0; k < order.Count; k++) position[order[k]] = k;
        var late = Enumerable.Range(0, specs.Count).Where(i => !placed[i])
            .OrderBy(i => IsVf(specs[i]) && placed[byBdf[specs[i].PhysicalFunction!.Value]] ? position[byBdf[specs[i].PhysicalFunction!.Value]] : int.MaxValue)
            .ThenBy(i => specs[i].Bdf)
            .ToList();
        order.AddRange(late);

        // 6. Renumber everything by probe order.
        var newIndex = new int[specs.Count];
        for (int k = 0; k < order.Count; k++) newIndex[order[k]] = k;
        var devices = order.Select(i => specs[i]).ToArray();
        var busOf = order.Select(i => busOfSpec[i]).ToArray();
        var childBus = order.Select(i => childOfSpec[i]).ToArray();
        // bus->self as the walks use it: a virtual bus has none, so they continue with its parent bus.
        var busSelf = new int[busCount];
        for (int b = 0; b < busCount; b++)
        {
            int x = b;
            while (selfOfBus[x] < 0 && parentBus[x] >= 0) x = parentBus[x];
            busSelf[b] = selfOfBus[x] < 0 ? -1 : newIndex[selfOfBus[x]];
        }
        var busIsRoot = parentBus.Select(p => p < 0).ToArray();
        var busDevices = onBus.Select(l => l.Select(i => newIndex[i]).ToArray()).ToArray();
        var index = new Dictionary<Bdf, int>(devices.Length);
        for (int k = 0; k < devices.Length; k++) index[devices[k].Bdf] = k;

        var multifunction = new bool[devices.Length];
        for (int k = 0; k < devices.Length; k++)
        {
            var d = devices[k];
            if (d.Multifunction is bool mf) { multifunction[k] = mf; continue; }
            if (IsVf(d)) continue; // pci_iov_add_virtfn: virtfn->multifunction = 0
            foreach (int peer in busDevices[busOf[k]])
            {
                if (peer != k && devices[peer].Bdf.Device == d.Bdf.Device && !IsVf(devices[peer])) { multifunction[k] = true; break; }
            }
        }
        return new PciTree(topology, devices, busOf, busSelf, busIsRoot, busDevices, childBus, multifunction, index);
    }

    private static InputException Error(string file, DeviceSpec d, string message) =>
        d.Source is { } s ? new InputException(s.File, s.Line, s.Column, message) : new InputException(file, 0, 0, message);
}
