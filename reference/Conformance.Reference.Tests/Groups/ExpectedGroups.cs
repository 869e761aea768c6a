using System.Globalization;
using System.Text;
using Conformance.Reference.Groups;
using Conformance.Reference.Pci;

namespace Conformance.Reference.Tests.Groups;

/// <summary>The answer a real machine's listing carries: its <c>IOMMU group: N</c> lines, and the listing without them.</summary>
internal static class ExpectedGroups
{
    public static (string Stripped, List<List<Bdf>> Groups, List<Bdf> Untranslated) Split(string text)
    {
        var stripped = new StringBuilder();
        var byNumber = new SortedDictionary<int, List<Bdf>>();
        var untranslated = new List<Bdf>();
        Bdf? current = null;
        bool currentHasGroup = false;
        void Close()
        {
            if (current is Bdf c && !currentHasGroup) untranslated.Add(c);
        }
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                Close();
                current = Bdf.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)]);
                currentHasGroup = false;
            }
            string t = line.Trim();
            if (t.StartsWith("IOMMU group:", StringComparison.Ordinal))
            {
                int g = int.Parse(t["IOMMU group:".Length..].Trim(), CultureInfo.InvariantCulture);
                if (!byNumber.TryGetValue(g, out var list)) byNumber[g] = list = [];
                list.Add(current!.Value);
                currentHasGroup = true;
                continue;
            }
            stripped.Append(line).Append('\n');
        }
        Close();
        var groups = byNumber.Values.Select(l => l.Order().ToList()).OrderBy(l => l[0]).ToList();
        untranslated.Sort();
        return (stripped.ToString(), groups, untranslated);
    }

    /// <summary>An empty string when the partitions agree, else a readable diff.</summary>
    public static string Diff(IReadOnlyList<IReadOnlyList<Bdf>> expected, IReadOnlyList<Bdf> expectedUntranslated, GroupResult actual)
    {
        static string Show(IEnumerable<Bdf> g) => "{" + string.Join(", ", g) + "}";
        var exp = expected.Select(Show).ToHashSet();
        var act = actual.Groups.Select(Show).ToHashSet();
        var sb = new StringBuilder();
        foreach (var g in expected.Select(Show).Where(g => !act.Contains(g))) sb.Append("  expected group missing: ").AppendLine(g);
        foreach (var g in actual.Groups.Select(Show).Where(g => !exp.Contains(g))) sb.Append("  computed group unexpected: ").AppendLine(g);
        if (!expectedUntranslated.SequenceEqual(actual.Untranslated))
            sb.Append("  untranslated: expected ").Append(Show(expectedUntranslated)).Append(", computed ").AppendLine(Show(actual.Untranslated));
        return sb.ToString();
    }
}
