using Conformance.Reference.Memory;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Vectors;

/// <summary>One parsed <c>*.vec.json</c> file (formats.md §4). Parsing validates everything before anything runs.</summary>
public sealed record VectorFile(
    string Path,
    string Name,
    string Platform,
    IReadOnlyList<MemoryRegion> Memory,
    object? PlatformConfig,
    TopologySpec Topology,
    IReadOnlyList<VectorStep> Steps);

/// <summary>One step: its op, the JSON it was written as (for fields), and its expectation (if any).</summary>
public sealed record VectorStep(int Index, string Op, JsonValue Node, JsonValue? Expect);

/// <summary>What a step actually produced, as a small JSON-like map, compared field by field with <c>expect</c>.</summary>
public sealed class Observation
{
    private readonly List<KeyValuePair<string, object>> _fields = [];

    public Observation Add(string name, object value)
    {
        _fields.Add(new(name, value));
        return this;
    }

    public IReadOnlyList<KeyValuePair<string, object>> Fields => _fields;

    public object? Get(string name)
    {
        foreach (var f in _fields) if (f.Key == name) return f.Value;
        return null;
    }

    public override string ToString() => "{" + string.Join(", ", _fields.Select(f => $"\"{f.Key}\": {Format(f.Value)}")) + "}";

    public static string Format(object v) => v switch
    {
        string s => $"\"{s}\"",
        ulong u => $"\"0x{u:x}\"",
        long l => l < 0 ? l.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"\"0x{l:x}\"",
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => $"\"{Convert.ToHexStringLower(bytes)}\"",
        IEnumerable<object> list => "[" + string.Join(", ", list.Select(Format)) + "]",
        Observation o => o.ToString(),
        _ => v.ToString() ?? "null",
    };
}
