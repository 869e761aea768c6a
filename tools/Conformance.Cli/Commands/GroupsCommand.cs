using System.Text;
using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Cli.Commands;

/// <summary>
/// <c>conformance groups (--lspci FILE | --topology FILE) [--json]</c> (formats.md §3): the isolation groups Linux
/// would give the machine. Without <c>--json</c>: one line per group, like a listing of /sys/kernel/iommu_groups.
/// </summary>
public static class GroupsCommand
{
    public static int Execute(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? lspci = null, topology = null;
        bool json = false;
        string platform = "x86";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--lspci" when i + 1 < args.Length: lspci = args[++i]; break;
                case "--topology" when i + 1 < args.Length: topology = args[++i]; break;
                case "--json": json = true; break;
                case "--platform" when i + 1 < args.Length:
                    platform = args[++i];
                    if (platform is not ("x86" or "intel-vtd" or "amd-vi" or "none" or "power-phb"))
                    {
                        stderr.WriteLine($"conformance groups: unknown platform '{platform}' (x86, intel-vtd, amd-vi, none or power-phb)");
                        return 2;
                    }
                    break;
                default:
                    stderr.WriteLine($"conformance groups: unexpected argument '{args[i]}'");
                    stderr.WriteLine("usage: conformance groups (--lspci FILE | --topology FILE) [--json] [--platform x86|power-phb]");
                    return 2;
            }
        }
        if ((lspci is null) == (topology is null))
        {
            stderr.WriteLine("conformance groups: give exactly one of --lspci FILE or --topology FILE");
            return 2;
        }

        string file = lspci ?? topology!;
        if (!File.Exists(file))
        {
            stderr.WriteLine($"{file}:1: cannot read file: no such file");
            return 2;
        }
        TopologySpec spec = lspci is not null ? LspciReader.ReadFile(lspci) : TopologyJsonReader.ReadFile(topology!);
        // On POWER the groups are the partitionable endpoints the platform assigns at boot (Linux pci-ioda.c);
        // everywhere else, Linux's pci_device_group.
        var result = platform == "power-phb"
            ? GroupResult.FromPartition(Conformance.Reference.Power.PeAssignment.FromTopology(spec).PeGroups, [])
            : IsolationGroups.Compute(spec);
        stdout.Write(json ? ToJson(result) : ToText(result));
        return 0;
    }

    public static string ToJson(GroupResult result)
    {
        var sb = new StringBuilder();
        sb.Append("{ \"groups\": [");
        for (int g = 0; g < result.Groups.Count; g++)
        {
            sb.Append(g == 0 ? " " : ", ");
            AppendList(sb, result.Groups[g]);
        }
        sb.Append(result.Groups.Count > 0 ? " ]" : "]");
        if (result.Untranslated.Count > 0)
        {
            sb.Append(", \"untranslated\": ");
            AppendList(sb, result.Untranslated);
        }
        sb.Append(" }\n");
        return sb.ToString();
    }

    private static void AppendList(StringBuilder sb, IReadOnlyList<Bdf> list)
    {
        sb.Append('[');
        for (int i = 0; i < list.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append('"').Append(list[i]).Append('"');
        }
        sb.Append(']');
    }

    public static string ToText(GroupResult result)
    {
        var sb = new StringBuilder();
        for (int g = 0; g < result.Groups.Count; g++)
            sb.Append("group ").Append(g).Append(": ").AppendJoin(' ', result.Groups[g]).Append('\n');
        if (result.Untranslated.Count > 0)
            sb.Append("untranslated: ").AppendJoin(' ', result.Untranslated).Append('\n');
        return sb.ToString();
    }
}
