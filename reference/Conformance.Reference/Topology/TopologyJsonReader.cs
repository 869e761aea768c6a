using Conformance.Reference.Pci;
using Conformance.Reference.Text;

namespace Conformance.Reference.Topology;

/// <summary>Reads a <c>*.topology.json</c> file (formats.md §1). Every error names its line and column.</summary>
public static class TopologyJsonReader
{
    public static TopologySpec ReadFile(string path) => Read(JsonValue.ParseFile(path), path);

    public static TopologySpec Parse(string json, string file = "<topology>") => Read(JsonValue.Parse(json, file), file);

    public static TopologySpec Read(JsonValue root, string file)
    {
        root.AllowOnly("devices", "name", "comment");
        var devices = new List<DeviceSpec>();
        var seen = new Dictionary<Bdf, JsonValue>();
        foreach (var d in root.Require("devices").Items)
        {
            var spec = ReadDevice(d);
            if (seen.TryGetValue(spec.Bdf, out var first))
                throw d.Error($"duplicate function {spec.Bdf} (first declared at line {first.Line})");
            seen[spec.Bdf] = d;
            devices.Add(spec);
        }
        Validate(devices, seen);
        return new TopologySpec(devices) { File = file };
    }

    public static DeviceSpec ReadDevice(JsonValue d)
    {
        d.AllowOnly("bdf", "kind", "vendor", "device", "class", "revision", "secondary", "subordinate", "acs",
            "multifunction", "bars", "msix", "dma_mask_bits", "pcix", "ari", "driver", "comment");
        var bdfNode = d.Require("bdf");
        if (!Bdf.TryParse(bdfNode.AsString(), out var bdf))
            throw bdfNode.Error($"\"{bdfNode.Text}\" is not a PCI address (dddd:bb:dd.f)");
        var kindNode = d.Require("kind");
        if (!DeviceKinds.TryParse(kindNode.AsString(), out var kind))
            throw kindNode.Error($"unknown kind \"{kindNode.Text}\" (expected one of: {string.Join(", ", DeviceKinds.AllNames)})");

        byte? secondary = d.Get("secondary") is { } s ? (byte)s.AsInt(0, 255) : null;
        byte? subordinate = d.Get("subordinate") is { } sb ? (byte)sb.AsInt(0, 255) : null;
        if (kind.IsBridge())
        {
            if (secondary is null) throw d.Error($"bridge {bdf} ({kind.ToName()}) needs \"secondary\"");
            subordinate ??= secondary;
            if (subordinate < secondary) throw (d.Get("subordinate") ?? d).Error($"subordinate bus {subordinate:x2} is below secondary bus {secondary:x2}");
            if (secondary <= bdf.Bus) throw d.Require("secondary").Error($"secondary bus {secondary:x2} must be above the bridge's own bus {bdf.Bus:x2}");
        }
        else if (secondary is not null || subordinate is not null)
        {
            throw (d.Get("secondary") ?? d.Get("subordinate"))!.Error($"{kind.ToName()} {bdf} is not a bridge: it has no bus numbers");
        }

        AcsSpec? acs = null;
        if (d.Get("acs") is { } a)
        {
            a.AllowOnly("cap", "ctl");
            acs = new AcsSpec((ushort)a.Require("cap").AsUInt64(0xffff), (ushort)(a.Get("ctl")?.AsUInt64(0xffff) ?? 0));
            if (!kind.IsPcie()) throw a.Error($"{kind.ToName()} {bdf} is conventional PCI: it cannot have an ACS capability");
        }

        var bars = new List<BarSpec>();
        if (d.Get("bars") is { } barsNode)
        {
            foreach (var b in barsNode.Items) bars.Add(ReadBar(b, kind, bars));
        }

        MsixSpec? msix = null;
        if (d.Get("msix") is { } m)
        {
            m.AllowOnly("vectors", "table", "pba");
            int vectors = m.Require("vectors").AsInt(1, 2048);
            var t = m.Require("table");
            t.AllowOnly("bar", "offset");
            var p = m.Get("pba");
            p?.AllowOnly("bar", "offset");
            int tbar = t.Require("bar").AsInt(0, 5);
            uint toff = (uint)t.Require("offset").AsUInt64(0xffff_fff8);
            if ((toff & 7) != 0) throw t.Require("offset").Error("MSI-X table offset must be 8-byte aligned (PCI_MSIX_TABLE_OFFSET 0xfffffff8)");
            int pbar = p is null ? tbar : p.Require("bar").AsInt(0, 5);
            uint poff = p is null ? AlignUp(toff + (uint)vectors * 16, 8) : (uint)p.Require("offset").AsUInt64(0xffff_fff8);
            if ((poff & 7) != 0) throw p!.Require("offset").Error("MSI-X PBA offset must be 8-byte aligned");
            msix = new MsixSpec(vectors, tbar, toff, pbar, poff);
            CheckInBar(bars, tbar, toff, (ulong)vectors * 16, t, "MSI-X table");
            CheckInBar(bars, pbar, poff, (ulong)((vectors + 63) / 64 * 8), p ?? t, "MSI-X PBA");
        }

        int dmaMask = d.Get("dma_mask_bits") is { } dm ? dm.AsInt(24, 64) : 64;
        return new DeviceSpec
        {
            Bdf = bdf,
            Kind = kind,
            Vendor = (ushort)(d.Get("vendor")?.AsUInt64(0xfffe) ?? DefaultVendor),
            DeviceId = (ushort)(d.Get("device")?.AsUInt64(0xffff) ?? 0),
            ClassCode = (uint)(d.Get("class")?.AsUInt64(0xff_ffff) ?? DefaultClass(kind)),
            Revision = (byte)(d.Get("revision")?.AsUInt64(0xff) ?? 0),
            Secondary = secondary,
            Subordinate = subordinate,
            Acs = acs,
            Multifunction = d.Get("multifunction")?.AsBool(),
            Bars = bars,
            Msix = msix,
            DmaMaskBits = dmaMask,
            PciX = d.Get("pcix")?.AsBool() ?? false,
            Ari = d.Get("ari")?.AsBool() ?? false,
            Driver = d.Get("driver")?.AsString(),
            Source = new SourcePos(d.File, d.Line, d.Column),
        };
    }

    /// <summary>Red Hat, Inc. (QEMU's vendor ID for generic devices), used when a topology omits "vendor".</summary>
    public const ushort DefaultVendor = 0x1b36;

    private static uint AlignUp(uint v, uint a) => (v + a - 1) & ~(a - 1);

    private static void CheckInBar(List<BarSpec> bars, int bar, uint offset, ulong length, JsonValue at, string what)
    {
        var b = bars.FirstOrDefault(x => x.Index == bar)
            ?? throw at.Error($"{what} is in BAR {bar}, which the device does not declare");
        if (b.Kind == BarKind.Io) throw at.Error($"{what} must be in a memory BAR, BAR {bar} is an I/O BAR");
        if (offset + length > b.Size)
            throw at.Error($"{what} (offset 0x{offset:x}, 0x{length:x} bytes) does not fit in BAR {bar} (0x{b.Size:x} bytes)");
    }

    private static BarSpec ReadBar(JsonValue b, DeviceKind kind, List<BarSpec> previous)
    {
        b.AllowOnly("index", "size", "kind", "prefetch", "base");
        int maxIndex = kind.IsBridge() ? 1 : 5;
        int index = b.Require("index").AsInt(0, maxIndex);
        ulong size = b.Require("size").AsUInt64();
        string kindText = b.Get("kind")?.AsString() ?? "mem32";
        BarKind barKind = kindText switch
        {
            "mem32" => BarKind.Mem32,
            "mem64" => BarKind.Mem64,
            "io" => BarKind.Io,
            _ => throw b.Require("kind").Error($"unknown BAR kind \"{kindText}\" (expected mem32, mem64 or io)"),
        };
        ulong min = barKind == BarKind.Io ? 4UL : 16UL;
        if (size < min || (size & (size - 1)) != 0)
            throw b.Require("size").Error($"BAR size 0x{size:x} must be a power of two of at least {min} bytes (PCI Local Bus §6.2.5.1)");
        if (barKind == BarKind.Mem32 && size > 0x8000_0000) throw b.Require("size").Error("a 32-bit BAR cannot exceed 2 GiB");
        if (barKind == BarKind.Io && size > 256) throw b.Require("size").Error("an I/O BAR cannot exceed 256 bytes");
        if (barKind == BarKind.Mem64 && index == maxIndex)
            throw b.Require("index").Error($"a 64-bit BAR at index {index} would need BAR {index + 1} for its upper half");
        foreach (var p in previous)
        {
            bool clash = p.Index == index || (p.Kind == BarKind.Mem64 && p.Index + 1 == index) || (barKind == BarKind.Mem64 && index + 1 == p.Index);
            if (clash) throw b.Require("index").Error($"BAR {index} overlaps BAR {p.Index}");
        }
        ulong? baseAddr = b.Get("base")?.AsUInt64();
        if (baseAddr is { } ba && (ba & (size - 1)) != 0)
            throw b.Require("base").Error($"BAR base 0x{ba:x} is not aligned to its size 0x{size:x}");
        if (baseAddr is { } ba32 && barKind == BarKind.Mem32 && ba32 + size > 0x1_0000_0000UL)
            throw b.Require("base").Error("a 32-bit BAR must lie below 4 GiB");
        return new BarSpec(index, size, barKind, b.Get("prefetch")?.AsBool() ?? false, baseAddr);
    }

    private static uint DefaultClass(DeviceKind kind) => kind switch
    {
        DeviceKind.HostBridge => 0x060000,
        _ when kind.IsBridge() => 0x060400,
        DeviceKind.RcEventCollector => 0x080700,
        _ => 0xff0000,
    };

    /// <summary>Cross-device checks: bus ranges of bridges must nest and every non-root bus must have a bridge.</summary>
    private static void Validate(List<DeviceSpec> devices, Dictionary<Bdf, JsonValue> nodes)
    {
        foreach (var d in devices)
        {
            var node = nodes[d.Bdf];
            if (d.Kind.IsBridge())
            {
                foreach (var other in devices.Where(o => o != d && o.Kind.IsBridge() && o.Bdf.Segment == d.Bdf.Segment))
                {
                    bool overlap = other.Secondary <= d.Subordinate && d.Secondary <= other.Subordinate;
                    bool nested = (other.Secondary <= d.Bdf.Bus && d.Bdf.Bus <= other.Subordinate && d.Subordinate <= other.Subordinate)
                        || (d.Secondary <= other.Bdf.Bus && other.Bdf.Bus <= d.Subordinate && other.Subordinate <= d.Subordinate);
                    if (overlap && !nested)
                        throw node.Error($"bus range {d.Secondary:x2}-{d.Subordinate:x2} of {d.Bdf} overlaps that of {other.Bdf} ({other.Secondary:x2}-{other.Subordinate:x2})");
                }
            }
        }
    }
}
