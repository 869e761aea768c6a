using Conformance.Reference.Text;

namespace Conformance.Runner;

/// <summary>What a baseline says a requirement does on an adapter: it fails its checks, or it errors.</summary>
public enum ExpectedOutcome { Fail, Error }

public sealed record BaselineEntry(string RequirementId, ExpectedOutcome Outcome, string? Why);

/// <summary>
/// Known outcomes of one adapter under one profile, keyed by requirement ID (formats.md §5; never by seed, so a
/// baseline stays valid across runs):
/// <code>{ "adapter": "noiommu", "profile": "default", "expected": { "DMA-002": { "outcome": "fail", "why": "..." } } }</code>
/// </summary>
public sealed record Baseline(string Adapter, string Profile, IReadOnlyDictionary<string, BaselineEntry> Expected, string Source)
{
    public BaselineEntry? For(string requirementId) => Expected.GetValueOrDefault(requirementId);

    /// <exception cref="InputException">a malformed file, reported as <c>file:line:col: message</c>.</exception>
    public static Baseline Read(string path) => Parse(JsonValue.ParseFile(path), path);

    /// <exception cref="InputException">a malformed document.</exception>
    public static Baseline Parse(string text, string file) => Parse(JsonValue.Parse(text, file), file);

    private static Baseline Parse(JsonValue root, string source)
    {
        if (root.Kind != JsonKind.Object) throw root.Error($"a baseline is a JSON object, found {root.Describe()}");
        root.AllowOnly("adapter", "profile", "expected");
        string adapter = NonEmpty(root.Require("adapter"), "adapter");
        string profile = NonEmpty(root.Require("profile"), "profile");
        JsonValue expected = root.Require("expected");
        if (expected.Kind != JsonKind.Object) throw expected.Error($"\"expected\" is an object keyed by requirement ID, found {expected.Describe()}");
        var entries = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        foreach (var (id, entry) in expected.Members)
        {
            if (id.Length == 0 || id.Any(char.IsWhiteSpace))
                throw entry.Error($"\"{id}\" is not a requirement ID");
            if (entries.ContainsKey(id)) throw entry.Error($"requirement {id} is listed twice");
            if (entry.Kind != JsonKind.Object) throw entry.Error($"the entry for {id} is an object with \"outcome\" and \"why\", found {entry.Describe()}");
            entry.AllowOnly("outcome", "why", "issue");
            JsonValue o = entry.Require("outcome");
            ExpectedOutcome outcome = o.AsString() switch
            {
                "fail" => ExpectedOutcome.Fail,
                "error" => ExpectedOutcome.Error,
                var other => throw o.Error($"outcome \"{other}\" is not one a baseline may expect (\"fail\" or \"error\")"),
            };
            string? why = entry.Get("why")?.AsString();
            entries.Add(id, new BaselineEntry(id, outcome, why));
        }
        return new Baseline(adapter, profile, entries, source);
    }

    private static string NonEmpty(JsonValue v, string name)
    {
        string s = v.AsString();
        if (s.Length == 0) throw v.Error($"\"{name}\" must not be empty");
        return s;
    }
}

/// <summary>The baselines in force for a run, at most one per (adapter, profile).</summary>
public sealed class BaselineSet
{
    private readonly Dictionary<(string Adapter, string Profile), Baseline> _byKey = [];

    public static BaselineSet Empty => new();

    public IEnumerable<Baseline> All => _byKey.Values;

    /// <exception cref="UsageException">two baselines for the same adapter and profile.</exception>
    public void Add(Baseline baseline)
    {
        if (_byKey.TryGetValue((baseline.Adapter, baseline.Profile), out var existing))
            throw new UsageException($"{baseline.Source}: a second baseline for adapter {baseline.Adapter}, profile {baseline.Profile} (the first is {existing.Source})");
        _byKey.Add((baseline.Adapter, baseline.Profile), baseline);
    }

    public Baseline? For(string adapter, string profile) => _byKey.GetValueOrDefault((adapter, profile));
}
