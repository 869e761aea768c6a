using System.Text.RegularExpressions;

namespace Conformance.Runner;

/// <summary>
/// <c>--filter EXPR</c>: comma-separated requirement-ID globs (<c>DMA-*</c>, <c>GRP-00?</c>; formats.md §5). <c>*</c>
/// matches any run of characters, <c>?</c> exactly one; everything else matches itself, case-sensitively, as IDs are
/// written in the spec.
/// </summary>
public sealed class RequirementFilter
{
    private readonly Regex[] _globs;

    private RequirementFilter(IReadOnlyList<string> patterns, Regex[] globs)
    {
        Patterns = patterns;
        _globs = globs;
    }

    /// <summary>The filter that keeps every requirement.</summary>
    public static RequirementFilter All { get; } = new([], []);

    public IReadOnlyList<string> Patterns { get; }

    public bool Matches(string requirementId) => _globs.Length == 0 || _globs.Any(g => g.IsMatch(requirementId));

    /// <exception cref="UsageException">an empty pattern, or a character that cannot occur in a requirement ID.</exception>
    public static RequirementFilter Parse(string expression)
    {
        string[] parts = expression.Split(',');
        var globs = new List<Regex>();
        var patterns = new List<string>();
        foreach (string raw in parts)
        {
            string p = raw.Trim();
            if (p.Length == 0)
                throw new UsageException($"--filter \"{expression}\": empty pattern (write comma-separated requirement-ID globs such as DMA-*,GRP-00?)");
            foreach (char c in p)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '*' or '?'))
                    throw new UsageException($"--filter \"{expression}\": '{c}' cannot occur in a requirement-ID glob (letters, digits, '-', '_', '.', '*', '?')");
            }
            patterns.Add(p);
            string rx = "^" + Regex.Escape(p).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
            globs.Add(new Regex(rx, RegexOptions.CultureInvariant));
        }
        return new RequirementFilter(patterns, [.. globs]);
    }

    public override string ToString() => Patterns.Count == 0 ? "*" : string.Join(',', Patterns);
}
