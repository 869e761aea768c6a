using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace Conformance.SpecGenerator;

/// <summary>One requirement as written in a spec file (docs/spec-format.md).</summary>
internal sealed record SpecRequirement(
    string Id, string Title, string Level, EquatableArray<string> Capabilities, EquatableArray<string> Platforms,
    EquatableArray<string> Sources, string Text, string File, int Line);

/// <summary>A problem in a spec file, with its 1-based line.</summary>
internal sealed record SpecProblem(string File, int Line, string Message);

internal sealed record SpecFile(string Path, EquatableArray<SpecRequirement> Requirements, EquatableArray<SpecProblem> Problems);

/// <summary>
/// Parses the spec format: a heading <c>### ID Title</c>, then a block of <c>key: value</c> lines up to the first
/// blank line (keys: level, capabilities, platforms, source (repeatable)), then prose up to the next heading.
/// </summary>
internal static class SpecParser
{
    private static readonly Regex Heading = new(@"^###\s+(?<id>\S+)\s+(?<title>\S.*?)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex IdShape = new(@"^[A-Z]{2,6}-[0-9]{3}$", RegexOptions.CultureInvariant);
    private static readonly Regex KeyValue = new(@"^(?<key>[a-z]+)\s*:\s*(?<value>.*?)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex Name = new(@"^[a-z0-9][a-z0-9.\-]*$", RegexOptions.CultureInvariant);

    public static readonly string[] Levels = ["MUST", "SHOULD", "MAY"];

    public static SpecFile Parse(string path, string text)
    {
        var requirements = new List<SpecRequirement>();
        var problems = new List<SpecProblem>();
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        int i = 0;
        while (i < lines.Length)
        {
            var m = Heading.Match(lines[i]);
            if (!lines[i].StartsWith("### ", StringComparison.Ordinal) || !m.Success) { i++; continue; }
            int headingLine = i + 1;
            string id = m.Groups["id"].Value, title = m.Groups["title"].Value;
            if (!IdShape.IsMatch(id))
            {
                problems.Add(new SpecProblem(path, headingLine, $"requirement ID '{id}' must look like AREA-000 (2-6 capital letters, a dash, 3 digits)"));
            }
            i++;
            string? level = null;
            List<string>? caps = null, platforms = null;
            var sources = new List<string>();
            for (; i < lines.Length && lines[i].Trim().Length > 0 && !lines[i].StartsWith("#", StringComparison.Ordinal); i++)
            {
                var kv = KeyValue.Match(lines[i]);
                if (!kv.Success) { problems.Add(new SpecProblem(path, i + 1, $"{id}: expected 'key: value', found '{lines[i].Trim()}'")); continue; }
                string key = kv.Groups["key"].Value, value = kv.Groups["value"].Value;
                switch (key)
                {
                    case "level":
                        if (level != null) problems.Add(new SpecProblem(path, i + 1, $"{id}: 'level' given twice"));
                        level = value;
                        if (Array.IndexOf(Levels, value) < 0) problems.Add(new SpecProblem(path, i + 1, $"{id}: level must be MUST, SHOULD or MAY, not '{value}'"));
                        break;
                    case "capabilities":
                        if (caps != null) problems.Add(new SpecProblem(path, i + 1, $"{id}: 'capabilities' given twice"));
                        caps = Names(value, "none", id, "capability", path, i + 1, problems);
                        break;
                    case "platforms":
                        if (platforms != null) problems.Add(new SpecProblem(path, i + 1, $"{id}: 'platforms' given twice"));
                        platforms = Names(value, "all", id, "platform", path, i + 1, problems);
                        break;
                    case "source":
                        if (value.Length == 0) problems.Add(new SpecProblem(path, i + 1, $"{id}: empty source"));
                        else sources.Add(value);
                        break;
                    default:
                        problems.Add(new SpecProblem(path, i + 1, $"{id}: unknown key '{key}' (known: level, capabilities, platforms, source)"));
                        break;
                }
            }
            if (level == null) problems.Add(new SpecProblem(path, headingLine, $"{id}: missing 'level'"));
            if (caps == null) problems.Add(new SpecProblem(path, headingLine, $"{id}: missing 'capabilities' (write 'none' if it needs none)"));
            if (platforms == null) problems.Add(new SpecProblem(path, headingLine, $"{id}: missing 'platforms' (write 'all' for every platform)"));
            if (sources.Count == 0) problems.Add(new SpecProblem(path, headingLine, $"{id}: at least one 'source' is required"));
            var prose = new List<string>();
            for (; i < lines.Length && !lines[i].StartsWith("#", StringComparison.Ordinal); i++) prose.Add(lines[i].Trim());
            string body = string.Join(" ", prose).Trim();
            while (body.Contains("  ")) body = body.Replace("  ", " ");
            if (body.Length == 0) problems.Add(new SpecProblem(path, headingLine, $"{id}: the requirement has no text"));
            requirements.Add(new SpecRequirement(id, title, level ?? "MUST", new EquatableArray<string>(caps ?? []),
                new EquatableArray<string>(platforms ?? []), new EquatableArray<string>(sources), body, path, headingLine));
        }
        return new SpecFile(path, new EquatableArray<SpecRequirement>(requirements), new EquatableArray<SpecProblem>(problems));
    }

    private static List<string> Names(string value, string empty, string id, string what, string path, int line, List<SpecProblem> problems)
    {
        var list = new List<string>();
        if (value == empty) return list;
        foreach (var raw in value.Split(','))
        {
            string n = raw.Trim();
            if (!Name.IsMatch(n)) problems.Add(new SpecProblem(path, line, $"{id}: bad {what} name '{n}' (lower-case, digits, '.', '-'; or '{empty}')"));
            else list.Add(n);
        }
        if (list.Count == 0) problems.Add(new SpecProblem(path, line, $"{id}: no {what} named (write '{empty}')"));
        return list;
    }
}
