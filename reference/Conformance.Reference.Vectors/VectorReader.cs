using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Vectors;

/// <summary>Reads and validates <c>*.vec.json</c> files (formats.md §4).</summary>
public sealed class VectorReader(IReadOnlyDictionary<string, IVectorPlatform> platforms)
{
    public static readonly string[] Ops =
    [
        "mem.write", "mem.read", "mmio.write", "mmio.read", "cfg.write", "cfg.read", "dma", "msi",
        "cpu.read", "cpu.write", "opal", "tick", "interrupts",
    ];

    public VectorFile ReadFile(string path) => Read(JsonValue.ParseFile(path), path);

    public VectorFile Parse(string json, string path) => Read(JsonValue.Parse(json, path), path);

    private VectorFile Read(JsonValue root, string path)
    {
        root.AllowOnly("name", "platform", "memory", "units", "topology", "steps", "description", "comment", "source");
        string name = root.Require("name").AsString();
        var platformNode = root.Require("platform");
        string platformName = platformNode.AsString();
        if (!platforms.TryGetValue(platformName, out var platform))
        {
            string[] known = ["none", "intel-vtd", "amd-vi", "power-phb"];
            throw platformNode.Error(Array.IndexOf(known, platformName) >= 0
                ? $"platform \"{platformName}\" is not modelled by this version of the kit"
                : $"unknown platform \"{platformName}\" (expected one of: {string.Join(", ", known)})");
        }

        var memory = new List<MemoryRegion>();
        if (root.Get("memory") is { } mem)
        {
            foreach (var r in mem.Items)
            {
                r.AllowOnly("base", "size", "comment");
                ulong b = r.Require("base").AsUInt64();
                ulong s = r.Require("size").AsUInt64();
                if (s == 0) throw r.Require("size").Error("a memory region needs a non-zero size");
                if (b + s < b && b + s != 0) throw r.Error("memory region wraps past 2^64");
                foreach (var m in memory)
                {
                    if (b < m.Base + m.Size && m.Base < b + s)
                        throw r.Error($"memory region 0x{b:x}+0x{s:x} overlaps region 0x{m.Base:x}+0x{m.Size:x}");
                }
                memory.Add(new MemoryRegion(b, s));
            }
        }

        var topology = root.Get("topology") is { } topo
            ? TopologyJsonReader.Read(topo, path)
            : new TopologySpec([]) { File = path };

        var units = root.Get("units");
        object? config = platform.ReadUnits(units, topology);
        var unitIds = new HashSet<string>(StringComparer.Ordinal);
        if (units is not null)
        {
            foreach (var u in units.Items)
            {
                if (u.Get("id") is { } id) unitIds.Add(id.AsString());
            }
        }

        var steps = new List<VectorStep>();
        foreach (var s in root.Require("steps").Items)
        {
            var step = ReadStep(s, steps.Count, unitIds, topology);
            platform.ValidateStep(step);
            if (step.Op == "mem.write") CheckBacked(step.Node, memory);
            steps.Add(step);
        }
        return new VectorFile(path, name, platformName, memory, config, topology, steps);
    }


    /// <summary>A vector may only initialise memory it declared: writing elsewhere is a malformed vector, not a test.</summary>
    private static void CheckBacked(JsonValue s, List<MemoryRegion> memory)
    {
        ulong addr = s.Require("addr").AsUInt64();
        ulong len = s.Get("bytes") is { } b ? (ulong)Bytes(b).Length : (ulong)Width(s.Require("width"));
        if (!memory.Any(r => r.Contains(addr, len)))
            throw s.Require("addr").Error($"mem.write of {len} bytes at 0x{addr:x} is outside the declared \"memory\" regions");
    }

    private static VectorStep ReadStep(JsonValue s, int index, HashSet<string> unitIds, TopologySpec topology)
    {
        if (s.Kind != JsonKind.Object) throw s.Error($"a step must be an object, found {s.Describe()}");
        var opNode = s.Require("op");
        string op = opNode.AsString();
        if (Array.IndexOf(Ops, op) < 0) throw opNode.Error($"unknown op \"{op}\" (expected one of: {string.Join(", ", Ops)})");
        var expect = s.Get("expect");
        string[] common = ["op", "expect", "comment"];
        switch (op)
        {
            case "mem.write":
                s.AllowOnly([.. common, "addr", "width", "value", "bytes", "endian"]);
                s.Require("addr").AsUInt64();
                ValueOrBytes(s);
                Endian(s);
                NoExpect(s, op);
                break;
            case "mem.read":
                s.AllowOnly([.. common, "addr", "width", "len", "mask", "endian"]);
                s.Require("addr").AsUInt64();
                WidthOrLen(s);
                Endian(s);
                break;
            case "mmio.write":
            case "mmio.read":
                s.AllowOnly([.. common, "unit", "offset", "width", "value", "mask"]);
                var unit = s.Require("unit");
                if (!unitIds.Contains(unit.AsString())) throw unit.Error($"no unit \"{unit.Text}\" is declared in \"units\"");
                s.Require("offset").AsUInt64();
                Width(s.Require("width"));
                if (op == "mmio.write") { s.Require("value").AsUInt64(); NoExpect(s, op); }
                break;
            case "cpu.write":
            case "cpu.read":
                s.AllowOnly([.. common, "addr", "width", "value", "mask"]);
                s.Require("addr").AsUInt64();
                Width(s.Require("width"));
                if (op == "cpu.write") { s.Require("value").AsUInt64(); NoExpect(s, op); }
                break;
            case "cfg.write":
            case "cfg.read":
                s.AllowOnly([.. common, "bdf", "offset", "width", "value", "mask"]);
                Function(s.Require("bdf"), topology, mustExist: false);
                ulong off = s.Require("offset").AsUInt64(0xfff);
                int w = Width(s.Require("width"));
                if (w == 8) throw s.Require("width").Error("configuration accesses are 1, 2 or 4 bytes");
                if (off % (ulong)w != 0) throw s.Require("offset").Error($"offset 0x{off:x} is not aligned to width {w}");
                if (op == "cfg.write") { s.Require("value").AsUInt64(); NoExpect(s, op); }
                break;
            case "dma":
                s.AllowOnly([.. common, "rid", "pasid", "addr", "width", "len", "dir", "value", "bytes"]);
                Function(s.Require("rid"), topology, mustExist: true);
                if (s.Get("pasid") is { } p) p.AsUInt64(0xf_ffff);
                s.Require("addr").AsUInt64();
                string dir = s.Require("dir").AsString();
                if (dir == "write") ValueOrBytes(s);
                else if (dir == "read") WidthOrLen(s);
                else throw s.Require("dir").Error($"dir must be \"read\" or \"write\", not \"{dir}\"");
                break;
            case "msi":
                s.AllowOnly([.. common, "rid", "addr", "data"]);
                Function(s.Require("rid"), topology, mustExist: true);
                s.Require("addr").AsUInt64();
                s.Require("data").AsUInt64(0xffff_ffff);
                break;
            case "opal":
                s.AllowOnly([.. common, "call", "args"]);
                s.Require("call").AsString();
                if (s.Get("args") is { } args) foreach (var a in args.Items) a.AsInt64();
                break;
            case "tick":
                s.AllowOnly([.. common, "count"]);
                if (s.Get("count") is { } c) c.AsInt(1, 1_000_000);
                NoExpect(s, op);
                break;
            case "interrupts":
                s.AllowOnly([.. common]);
                if (expect is null) throw s.Error("an \"interrupts\" step needs an \"expect\"");
                break;
        }
        return new VectorStep(index, op, s, expect);
    }

    private static void NoExpect(JsonValue s, string op)
    {
        if (s.Get("expect") is { } e) throw e.Error($"\"{op}\" produces nothing to expect");
    }

    private static void Endian(JsonValue s)
    {
        if (s.Get("endian") is { } e && e.AsString() is not ("little" or "big"))
            throw e.Error("endian must be \"little\" or \"big\"");
    }

    internal static int Width(JsonValue w)
    {
        int v = w.AsInt(1, 8);
        if (v is not (1 or 2 or 4 or 8)) throw w.Error($"width must be 1, 2, 4 or 8, not {v}");
        return v;
    }

    private static void ValueOrBytes(JsonValue s)
    {
        bool hasValue = s.Get("value") is not null, hasBytes = s.Get("bytes") is not null;
        if (hasValue == hasBytes) throw s.Error("give either \"width\" and \"value\", or \"bytes\"");
        if (hasValue)
        {
            int w = Width(s.Require("width"));
            ulong v = s.Require("value").AsUInt64();
            if (w < 8 && v >> (w * 8) != 0) throw s.Require("value").Error($"value 0x{v:x} does not fit in {w} bytes");
        }
        else
        {
            if (s.Get("width") is { } w) throw w.Error("\"width\" goes with \"value\", not with \"bytes\"");
            Bytes(s.Require("bytes"));
        }
    }

    private static void WidthOrLen(JsonValue s)
    {
        bool hasWidth = s.Get("width") is not null, hasLen = s.Get("len") is not null;
        if (hasWidth == hasLen) throw s.Error("give either \"width\" or \"len\"");
        if (hasWidth) Width(s.Require("width"));
        else s.Require("len").AsInt(1, 1 << 24);
        if (hasLen && s.Get("mask") is { } m) throw m.Error("\"mask\" goes with \"width\"");
    }

    internal static byte[] Bytes(JsonValue b)
    {
        string hex = b.AsString().Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        if (hex.Length == 0 || hex.Length % 2 != 0 || !hex.All(Uri.IsHexDigit))
            throw b.Error("bytes must be an even number of hex digits");
        return Convert.FromHexString(hex);
    }

    internal static Bdf Function(JsonValue node, TopologySpec topology, bool mustExist)
    {
        if (!Bdf.TryParse(node.AsString(), out var bdf)) throw node.Error($"\"{node.Text}\" is not a PCI address (dddd:bb:dd.f)");
        if (mustExist && !topology.Devices.Any(d => d.Bdf == bdf))
            throw node.Error($"function {bdf} is not in the vector's topology");
        return bdf;
    }
}
