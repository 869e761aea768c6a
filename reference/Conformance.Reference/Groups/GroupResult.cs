using Conformance.Reference.Pci;

namespace Conformance.Reference.Groups;

/// <summary>
/// The isolation groups of a topology (formats.md §3): every function an IOMMU translates is in exactly one group;
/// each group is sorted, and groups are sorted by their first member. Group numbers are not part of the answer.
/// </summary>
public sealed class GroupResult
{
    private readonly Dictionary<Bdf, int> _groupOf;

    internal GroupResult(IReadOnlyList<IReadOnlyList<Bdf>> groups, IReadOnlyList<Bdf> untranslated)
    {
        Groups = groups;
        Untranslated = untranslated;
        _groupOf = new Dictionary<Bdf, int>();
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var b in groups[g]) _groupOf[b] = g;
        }
    }

    /// <summary>
    /// A result from a partition the platform decided by other means (e.g. POWER PEs), put in the documented order:
    /// each group sorted, groups sorted by their first member (formats.md §3).
    /// </summary>
    public static GroupResult FromPartition(IEnumerable<IEnumerable<Bdf>> groups, IEnumerable<Bdf> untranslated)
    {
        var sorted = groups.Select(g => (IReadOnlyList<Bdf>)g.Order().ToList()).Where(g => g.Count > 0).OrderBy(g => g[0]).ToList();
        return new GroupResult(sorted, untranslated.Order().ToList());
    }

    public IReadOnlyList<IReadOnlyList<Bdf>> Groups { get; }

    /// <summary>Functions no IOMMU translates (e.g. an AMD IOMMU's own function), sorted.</summary>
    public IReadOnlyList<Bdf> Untranslated { get; }

    /// <summary>The index into <see cref="Groups"/> of the group holding <paramref name="bdf"/>.</summary>
    public bool TryGetGroupIndex(Bdf bdf, out int index) => _groupOf.TryGetValue(bdf, out index);

    /// <summary>The group holding <paramref name="bdf"/>, or null when it is untranslated or not in the topology.</summary>
    public IReadOnlyList<Bdf>? GroupOf(Bdf bdf) => _groupOf.TryGetValue(bdf, out int g) ? Groups[g] : null;

    /// <summary>True when both functions are in the same group.</summary>
    public bool SameGroup(Bdf a, Bdf b) => _groupOf.TryGetValue(a, out int ga) && _groupOf.TryGetValue(b, out int gb) && ga == gb;
}
