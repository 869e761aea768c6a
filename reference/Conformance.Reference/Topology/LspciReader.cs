using System.Globalization;
using System.Text.RegularExpressions;
using Conformance.Reference.Pci;
using Conformance.Reference.Text;

namespace Conformance.Reference.Topology;

/// <summary>
/// Reads the text output of <c>lspci -vvnn</c> (run as root) as a topology (formats.md §2). It takes what grouping
/// and the platform builder need: the header line (address, class, vendor:device, revision, prog-if), <c>Subsystem:</c>,
/// <c>Bus:</c> numbers, <c>Region N:</c> BARs, the Express capability's port type, <c>Access Control Services</c>
/// (<c>ACSCap:</c>/<c>ACSCtl:</c>), <c>MSI-X:</c> with its table and PBA, <c>PCI-X</c>, ARI, SR-IOV (which listed
/// functions are virtual functions of which PF), and
/// <c>Kernel driver in use:</c>. Every other line is ignored; <c>IOMMU group:</c> lines are never read (they are the
/// answer, not the question). Malformed input throws <see cref="InputException"/> naming <c>file:line[:column]</c>.
/// </summary>
public static partial class LspciReader
{
    public static TopologySpec ReadFile(string path) => Parse(File.ReadAllText(path), path);

    public static TopologySpec Parse(string text, string file = "<lspci>")
    {
        ArgumentNullException.ThrowIfNull(text);
        var devices = new List<DeviceSpec>();
        var seen = new Dictionary<Bdf, int>();
        Builder? current = null;
        var builders = new List<Builder>();
        string? openCap = null; // the capability whose indented lines follow ("acs", "msix", other)

        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            int lineNo = n + 1;
            string line = lines[n].TrimEnd('\r');
            if (line.Trim().Length == 0) continue;

            if (!char.IsWhiteSpace(line[0]))
            {
                // Messages pcilib/lspci print about themselves are not part of the listing.
                if (line.StartsWith("pcilib:", StringComparison.Ordinal) || line.StartsWith("lspci:", StringComparison.Ordinal)) continue;
                if (current is not null) devices.Add(current.Build());
                current = ParseHeader(line, file, lineNo);
                builders.Add(current);
                if (seen.TryGetValue(current.Bdf, out int first))
                    throw new InputException(file, lineNo, 1, $"function {current.Bdf} is listed twice (first at line {first})");
                seen[current.Bdf] = lineNo;
                openCap = null;
                continue;
            }

            // Detail lines are indented one tab; a capability's own lines two or more (tabs are 8 columns wide).
            int lead = 0, width = 0;
            while (lead < line.Length && (line[lead] == '\t' || line[lead] == ' '))
            {
                width = line[lead] == '\t' ? (width / 8 + 1) * 8 : width + 1;
                lead++;
            }
            string body = line[lead..];
            if (current is null)
                throw new InputException(file, lineNo, lead + 1, "a device's detail line comes before any device header line");

            if (width <= 8)
            {
                openCap = null;
                ParseTopLevel(current, body, file, lineNo, lead + 1, ref openCap);
            }
            else
            {
                ParseNested(current, body, file, lineNo, lead + 1, openCap);
            }
        }
        if (current is not null) devices.Add(current.Build());
        return new TopologySpec(MarkVirtualFunctions(devices, builders)) { File = file };
    }

    /// <summary>SR-IOV: the functions at PF RID + offset + stride * i (i &lt; NumVFs, drivers/pci/iov.c
    /// <c>pci_iov_virtfn_bus</c>/<c>_devfn</c>) of a PF with VF Enable set are its virtual functions.</summary>
    private static List<DeviceSpec> MarkVirtualFunctions(List<DeviceSpec> devices, List<Builder> builders)
    {
        var index = new Dictionary<Bdf, int>();
        for (int i = 0; i < devices.Count; i++) index[devices[i].Bdf] = i;
        foreach (var pf in builders)
        {
            if (!pf.SriovEnabled || pf.NumVfs <= 0 || pf.VfOffset is not int offset || pf.VfStride is not int stride) continue;
            for (int vf = 0; vf < pf.NumVfs; vf++)
            {
                int rid = pf.Bdf.RequesterId + offset + stride * vf;
                if (rid > 0xffff) break;
                var bdf = Bdf.FromRequesterId(pf.Bdf.Segment, (ushort)rid);
                if (bdf != pf.Bdf && index.TryGetValue(bdf, out int k)) devices[k] = devices[k] with { PhysicalFunction = pf.Bdf };
            }
        }
        return devices;
    }

    // bb:dd.f or dddd[d]:bb:dd.f, then "Class name [cccc]: Vendor and device names [vvvv:dddd] (rev rr) (prog-if pp [name])"
    [GeneratedRegex(@"^(?<bdf>(?:[0-9a-fA-F]{4,5}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]) (?<cname>.*?)\s?\[(?<class>[0-9a-fA-F]{4})\]: (?<names>.*) \[(?<ven>[0-9a-fA-F]{4}):(?<dev>[0-9a-fA-F]{4})\](?: \(rev (?<rev>[0-9a-fA-F]{2})\))?(?: \(prog-if (?<pi>[0-9a-fA-F]{2})(?: \[[^\]]*\])?\))?\s*$")]
    private static partial Regex HeaderRegex();

    [GeneratedRegex(@"^Bus: primary=(?<p>[0-9a-fA-F]{2}), secondary=(?<s>[0-9a-fA-F]{2}), subordinate=(?<u>[0-9a-fA-F]{2})(?:,|$)")]
    private static partial Regex BusRegex();

    [GeneratedRegex(@"^Capabilities: \[(?<pos>[0-9a-fA-F]+)(?: v\d+)?\] (?<what>.*)$")]
    private static partial Regex CapRegex();

    [GeneratedRegex(@"^Express (?:\(v\d+\) )?(?<type>.*?)(?:, (?:MSI|IntMsgNum) .*)?$")]
    private static partial Regex ExpressRegex();

    [GeneratedRegex(@"^MSI-X: Enable[+-] Count=(?<n>\d+)")]
    private static partial Regex MsixRegex();

    [GeneratedRegex(@"^(?<what>Vector table|PBA): BAR=(?<bar>\d+) offset=(?<off>[0-9a-fA-F]+)\s*$")]
    private static partial Regex MsixLocationRegex();

    [GeneratedRegex(@"^Region (?<n>\d+): (?:\[virtual\] )?(?<space>Memory at|I/O ports at) (?<addr>\S+)(?<rest>.*)$")]
    private static partial Regex RegionRegex();

    [GeneratedRegex(@"\[size=(?<size>\d+)(?<unit>[KMGT]?)\]")]
    private static partial Regex SizeRegex();

    [GeneratedRegex(@"\[(?<ven>[0-9a-fA-F]{4}):(?<dev>[0-9a-fA-F]{4})\]\s*$")]
    private static partial Regex SubsystemRegex();

    [GeneratedRegex(@"Number of VFs: (?<n>\d+)")]
    private static partial Regex NumVfsRegex();

    [GeneratedRegex(@"^VF offset: (?<off>\d+), stride: (?<stride>\d+)")]
    private static partial Regex VfOffsetRegex();

    private static Builder ParseHeader(string line, string file, int lineNo)
    {
        var m = HeaderRegex().Match(line);
        if (!m.Success)
        {
            int sp = line.IndexOf(' ', StringComparison.Ordinal);
            string head = sp < 0 ? line : line[..sp];
            if (!Bdf.TryParse(head, out _))
                throw new InputException(file, lineNo, 1, $"expected a device header \"[dddd:]bb:dd.f Class [cccc]: Name [vvvv:dddd]\", found \"{Shorten(line)}\"");
            throw new InputException(file, lineNo, sp + 2, "device header lacks \"Class [cccc]: ... [vvvv:dddd]\" (run lspci with -nn)");
        }
        var bdf = Bdf.Parse(m.Groups["bdf"].Value);
        uint cls = Hex(m.Groups["class"].Value);
        uint progIf = m.Groups["pi"].Success ? Hex(m.Groups["pi"].Value) : 0;
        return new Builder
        {
            Bdf = bdf,
            Class = (cls << 8) | progIf,
            Vendor = (ushort)Hex(m.Groups["ven"].Value),
            Device = (ushort)Hex(m.Groups["dev"].Value),
            Revision = m.Groups["rev"].Success ? (byte)Hex(m.Groups["rev"].Value) : (byte)0,
            Source = new SourcePos(file, lineNo, 1),
        };
    }

    private static void ParseTopLevel(Builder d, string body, string file, int lineNo, int col, ref string? openCap)
    {
        if (body.StartsWith("Bus:", StringComparison.Ordinal))
        {
            var m = BusRegex().Match(body);
            if (!m.Success)
                throw new InputException(file, lineNo, col, $"malformed bus line \"{Shorten(body)}\" (expected \"Bus: primary=bb, secondary=bb, subordinate=bb\")");
            byte sec = (byte)Hex(m.Groups["s"].Value), sub = (byte)Hex(m.Groups["u"].Value);
            d.HasBusLine = true;
            // A bridge the firmware left unconfigured (e.g. an empty hot-plug port) shows secondary=00,
            // subordinate=00: no bus behind it yet.
            if (sec == 0 && sub == 0) return;
            if (sub < sec)
                throw new InputException(file, lineNo, col + m.Groups["u"].Index, $"subordinate bus {sub:x2} is below secondary bus {sec:x2}");
            if (sec <= d.Bdf.Bus)
                throw new InputException(file, lineNo, col + m.Groups["s"].Index, $"secondary bus {sec:x2} must be above the bridge's own bus {d.Bdf.Bus:x2}");
            d.Secondary = sec;
            d.Subordinate = sub;
        }
        else if (body.StartsWith("Subsystem:", StringComparison.Ordinal))
        {
            var m = SubsystemRegex().Match(body);
            if (m.Success)
            {
                d.SubsystemVendor = (ushort)Hex(m.Groups["ven"].Value);
                d.SubsystemDevice = (ushort)Hex(m.Groups["dev"].Value);
            }
        }
        else if (body.StartsWith("Kernel driver in use:", StringComparison.Ordinal))
        {
            d.Driver = body["Kernel driver in use:".Length..].Trim();
        }
        else if (body.StartsWith("Region ", StringComparison.Ordinal))
        {
            ParseRegion(d, body, file, lineNo, col);
        }
        else if (body.StartsWith("Capabilities:", StringComparison.Ordinal))
        {
            if (body.StartsWith("Capabilities: <", StringComparison.Ordinal)) return; // "<access denied>"
            var m = CapRegex().Match(body);
            if (!m.Success) throw new InputException(file, lineNo, col, $"malformed capability line \"{Shorten(body)}\"");
            string what = m.Groups["what"].Value;
            int whatCol = col + m.Groups["what"].Index;
            if (what.StartsWith("Express ", StringComparison.Ordinal)) ParseExpress(d, what, file, lineNo, whatCol);
            else if (what.StartsWith("Access Control Services", StringComparison.Ordinal)) { d.HasAcs = true; openCap = "acs"; }
            else if (what.StartsWith("MSI-X:", StringComparison.Ordinal))
            {
                var x = MsixRegex().Match(what);
                if (!x.Success) throw new InputException(file, lineNo, whatCol, $"malformed MSI-X capability \"{Shorten(what)}\"");
                d.MsixCount = int.Parse(x.Groups["n"].Value, CultureInfo.InvariantCulture);
                openCap = "msix";
            }
            else if (what.StartsWith("PCI-X ", StringComparison.Ordinal)) d.PciX = true;
            else if (what.StartsWith("Alternative Routing-ID Interpretation", StringComparison.Ordinal)) d.Ari = true;
            else if (what.StartsWith("Single Root I/O Virtualization", StringComparison.Ordinal)) openCap = "sriov";
            else openCap = "other";
        }
        // Anything else ("Control:", "Status:", "IOMMU group:", "Latency:", ...) is not needed.
    }

    private static void ParseNested(Builder d, string body, string file, int lineNo, int col, string? openCap)
    {
        if (openCap == "acs" && (body.StartsWith("ACSCap:", StringComparison.Ordinal) || body.StartsWith("ACSCtl:", StringComparison.Ordinal)))
        {
            ushort bits = ParseAcsFlags(body[7..], file, lineNo, col + 7);
            if (body[3] == 'C' && body[4] == 'a') d.AcsCap = bits; else d.AcsCtl = bits;
        }
        else if (body.StartsWith("ACSCap:", StringComparison.Ordinal) || body.StartsWith("ACSCtl:", StringComparison.Ordinal))
        {
            throw new InputException(file, lineNo, col, $"{body[..6]} outside an Access Control Services capability");
        }
        else if (openCap == "sriov")
        {
            // ls-ecaps.c cap_sriov: "IOVCtl: Enable+ ...", "... Number of VFs: N, ...", "VF offset: o, stride: s, Device ID: dddd".
            if (body.StartsWith("IOVCtl:", StringComparison.Ordinal)) d.SriovEnabled = body.Contains("Enable+", StringComparison.Ordinal);
            var n = NumVfsRegex().Match(body);
            if (n.Success) d.NumVfs = int.Parse(n.Groups["n"].Value, CultureInfo.InvariantCulture);
            var o = VfOffsetRegex().Match(body);
            if (o.Success)
            {
                d.VfOffset = int.Parse(o.Groups["off"].Value, CultureInfo.InvariantCulture);
                d.VfStride = int.Parse(o.Groups["stride"].Value, CultureInfo.InvariantCulture);
            }
        }
        else if (openCap == "msix" && (body.StartsWith("Vector table:", StringComparison.Ordinal) || body.StartsWith("PBA:", StringComparison.Ordinal)))
        {
            var m = MsixLocationRegex().Match(body);
            if (!m.Success) throw new InputException(file, lineNo, col, $"malformed MSI-X location \"{Shorten(body)}\" (expected \"BAR=n offset=hex\")");
            int bar = int.Parse(m.Groups["bar"].Value, CultureInfo.InvariantCulture);
            if (bar > 5) throw new InputException(file, lineNo, col + m.Groups["bar"].Index, $"BAR index {bar} is not 0-5");
            uint off = Hex(m.Groups["off"].Value);
            if (m.Groups["what"].Value == "PBA") { d.PbaBar = bar; d.PbaOffset = off; }
            else { d.TableBar = bar; d.TableOffset = off; }
        }
    }

    private static readonly (string Name, ushort Bit)[] AcsNames =
    [
        ("SrcValid", 0x01), ("TransBlk", 0x02), ("ReqRedir", 0x04), ("CmpltRedir", 0x08),
        ("UpstreamFwd", 0x10), ("EgressCtrl", 0x20), ("DirectTrans", 0x40),
    ];

    /// <summary>"SrcValid+ TransBlk- ..." (lspci ls-ecaps.c cap_acs) into ACS register bits (PCIe Base §7.7.8).</summary>
    private static ushort ParseAcsFlags(string text, string file, int lineNo, int col)
    {
        ushort bits = 0;
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) { i++; continue; }
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            string token = text[start..i];
            char sign = token[^1];
            string name = token[..^1];
            var known = AcsNames.FirstOrDefault(a => a.Name == name);
            if ((sign != '+' && sign != '-') || known.Name is null)
                throw new InputException(file, lineNo, col + start, $"unknown ACS flag \"{token}\" (expected e.g. SrcValid+ or ReqRedir-)");
            if (sign == '+') bits |= known.Bit;
        }
        return bits;
    }

    private static void ParseExpress(Builder d, string what, string file, int lineNo, int col)
    {
        var m = ExpressRegex().Match(what);
        string type = m.Groups["type"].Value;
        int paren = type.IndexOf(" (Slot", StringComparison.Ordinal);
        if (paren >= 0) type = type[..paren];
        d.ExpressKind = type switch
        {
            "Endpoint" => DeviceKind.Endpoint,
            "Legacy Endpoint" => DeviceKind.LegacyEndpoint,
            "Root Port" => DeviceKind.RootPort,
            "Upstream Port" => DeviceKind.UpstreamPort,
            "Downstream Port" => DeviceKind.DownstreamPort,
            "PCI-Express to PCI/PCI-X Bridge" => DeviceKind.PcieToPciBridge,
            "PCI/PCI-X to PCI-Express Bridge" => DeviceKind.PciToPcieBridge,
            "Root Complex Integrated Endpoint" => DeviceKind.RcEndpoint,
            "Root Complex Event Collector" => DeviceKind.RcEventCollector,
            // lspci prints "Unknown type N" for reserved values; Linux treats any other type like a single-function
            // endpoint in pci_acs_enabled, which is what an endpoint without siblings gets here.
            _ when type.StartsWith("Unknown type", StringComparison.Ordinal) => DeviceKind.Endpoint,
            _ => throw new InputException(file, lineNo, col, $"unknown PCI Express device/port type \"{Shorten(type)}\""),
        };
    }

    private static void ParseRegion(Builder d, string body, string file, int lineNo, int col)
    {
        var m = RegionRegex().Match(body);
        if (!m.Success) return; // e.g. "Region 1: Memory at <ignored> (32-bit)": nothing usable
        int index = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        if (index > 5) throw new InputException(file, lineNo, col + m.Groups["n"].Index, $"BAR index {index} is not 0-5");
        string rest = m.Groups["rest"].Value;
        var size = SizeRegex().Match(rest);
        if (!size.Success) return; // no size: the BAR cannot be modelled
        ulong bytes = ulong.Parse(size.Groups["size"].Value, CultureInfo.InvariantCulture) << size.Groups["unit"].Value switch
        {
            "K" => 10, "M" => 20, "G" => 30, "T" => 40, _ => 0,
        };
        bool io = m.Groups["space"].Value.StartsWith("I/O", StringComparison.Ordinal);
        var kind = io ? BarKind.Io : rest.Contains("64-bit", StringComparison.Ordinal) ? BarKind.Mem64 : BarKind.Mem32;
        bool prefetch = !io && rest.Contains("prefetchable", StringComparison.Ordinal) && !rest.Contains("non-prefetchable", StringComparison.Ordinal);
        ulong? baseAddr = null;
        if (!rest.Contains("[disabled]", StringComparison.Ordinal)
            && ulong.TryParse(m.Groups["addr"].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong a))
            baseAddr = a;
        d.Bars.RemoveAll(b => b.Index == index);
        d.Bars.Add(new BarSpec(index, bytes, kind, prefetch, baseAddr));
    }

    private static uint Hex(string s) => uint.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    private sealed class Builder
    {
        public Bdf Bdf;
        public uint Class;
        public ushort Vendor, Device;
        public byte Revision;
        public byte? Secondary, Subordinate;
        public bool HasBusLine;
        public DeviceKind? ExpressKind;
        public bool HasAcs;
        public ushort AcsCap, AcsCtl;
        public int? MsixCount;
        public int TableBar, PbaBar;
        public uint TableOffset, PbaOffset;
        public bool PciX, Ari;
        public string? Driver;
        public ushort? SubsystemVendor, SubsystemDevice;
        public bool SriovEnabled;
        public int NumVfs;
        public int? VfOffset, VfStride;
        public List<BarSpec> Bars { get; } = [];
        public SourcePos Source;

        public DeviceSpec Build()
        {
            // Kind: the Express capability's port type; without one, the header decides: a type 1 header (it has bus
            // numbers) or class 0x0604 is a PCI-to-PCI bridge, class 0x0600 a host bridge, anything else a device.
            uint baseSub = Class >> 8;
            DeviceKind kind = ExpressKind
                ?? (HasBusLine || baseSub == 0x0604 ? DeviceKind.PciBridge
                    : baseSub == 0x0600 ? DeviceKind.HostBridge
                    : DeviceKind.PciDevice);
            bool bridge = kind.IsBridge();
            return new DeviceSpec
            {
                Bdf = Bdf,
                Kind = kind,
                Vendor = Vendor,
                DeviceId = Device,
                ClassCode = Class,
                Revision = Revision,
                Secondary = bridge ? Secondary : null,
                Subordinate = bridge ? Subordinate : null,
                Acs = HasAcs && kind.IsPcie() ? new AcsSpec(AcsCap, AcsCtl) : null,
                Multifunction = null, // lspci does not print header-type bit 7: inferred from sibling functions
                Bars = Bars.OrderBy(b => b.Index).ToArray(),
                Msix = MsixCount is int count ? new MsixSpec(count, TableBar, TableOffset, PbaBar, PbaOffset) : null,
                PciX = PciX,
                Ari = Ari,
                Driver = Driver,
                Source = Source,
                SubsystemVendor = SubsystemVendor,
                SubsystemDevice = SubsystemDevice,
            };
        }
    }
}
