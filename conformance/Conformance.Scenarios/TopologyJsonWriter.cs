using System.Globalization;
using System.Text;
using System.Text.Json;
using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

/// <summary>
/// Writes a topology as a <c>*.topology.json</c> file (formats.md §1), one function per line, numbers as hex strings,
/// so a generated case can be saved, read back by <see cref="TopologyJsonReader"/> and replayed with
/// <c>conformance groups --topology FILE</c>.
/// </summary>
public static class TopologyJsonWriter
{
    public static string Write(TopologySpec topology, string? comment = null)
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        if (comment is not null) sb.Append("  \"comment\": ").Append(JsonSerializer.Serialize(comment)).Append(",\n");
        sb.Append("  \"devices\": [");
        for (int i = 0; i < topology.Devices.Count; i++)
        {
            sb.Append(i == 0 ? "\n    " : ",\n    ");
            WriteDevice(sb, topology.Devices[i]);
        }
        sb.Append("\n  ]\n}\n");
        return sb.ToString();
    }

    public static void WriteFile(TopologySpec topology, string path, string? comment = null) =>
        File.WriteAllText(path, Write(topology, comment));

    private static string Hex(ulong v) => "\"0x" + v.ToString("x", CultureInfo.InvariantCulture) + "\"";

    private static void WriteDevice(StringBuilder sb, DeviceSpec d)
    {
        sb.Append("{ \"bdf\": \"").Append(d.Bdf.ToString()).Append('"');
        sb.Append(", \"kind\": \"").Append(d.Kind.ToName()).Append('"');
        sb.Append(", \"vendor\": ").Append(Hex(d.Vendor));
        sb.Append(", \"device\": ").Append(Hex(d.DeviceId));
        sb.Append(", \"class\": ").Append(Hex(d.ClassCode));
        if (d.Revision != 0) sb.Append(", \"revision\": ").Append(Hex(d.Revision));
        if (d.Secondary is { } sec) sb.Append(", \"secondary\": ").Append(sec.ToString(CultureInfo.InvariantCulture));
        if (d.Subordinate is { } sub) sb.Append(", \"subordinate\": ").Append(sub.ToString(CultureInfo.InvariantCulture));
        if (d.Acs is { } acs) sb.Append(", \"acs\": { \"cap\": ").Append(Hex(acs.Cap)).Append(", \"ctl\": ").Append(Hex(acs.Ctl)).Append(" }");
        if (d.Multifunction is { } mf) sb.Append(", \"multifunction\": ").Append(mf ? "true" : "false");
        if (d.Bars.Count > 0)
        {
            sb.Append(", \"bars\": [");
            for (int i = 0; i < d.Bars.Count; i++)
            {
                var b = d.Bars[i];
                if (i > 0) sb.Append(", ");
                sb.Append("{ \"index\": ").Append(b.Index.ToString(CultureInfo.InvariantCulture))
                  .Append(", \"size\": ").Append(Hex(b.Size))
                  .Append(", \"kind\": \"").Append(b.Kind switch { BarKind.Mem32 => "mem32", BarKind.Mem64 => "mem64", _ => "io" }).Append('"');
                if (b.Prefetch) sb.Append(", \"prefetch\": true");
                if (b.Base is { } ba) sb.Append(", \"base\": ").Append(Hex(ba));
                sb.Append(" }");
            }
            sb.Append(']');
        }
        if (d.Msix is { } m)
        {
            sb.Append(", \"msix\": { \"vectors\": ").Append(m.Vectors.ToString(CultureInfo.InvariantCulture))
              .Append(", \"table\": { \"bar\": ").Append(m.TableBar.ToString(CultureInfo.InvariantCulture)).Append(", \"offset\": ").Append(Hex(m.TableOffset))
              .Append(" }, \"pba\": { \"bar\": ").Append(m.PbaBar.ToString(CultureInfo.InvariantCulture)).Append(", \"offset\": ").Append(Hex(m.PbaOffset)).Append(" } }");
        }
        if (d.DmaMaskBits != 64) sb.Append(", \"dma_mask_bits\": ").Append(d.DmaMaskBits.ToString(CultureInfo.InvariantCulture));
        if (d.PciX) sb.Append(", \"pcix\": true");
        if (d.Ari) sb.Append(", \"ari\": true");
        if (d.Driver is { } drv) sb.Append(", \"driver\": ").Append(JsonSerializer.Serialize(drv));
        sb.Append(" }");
    }
}
