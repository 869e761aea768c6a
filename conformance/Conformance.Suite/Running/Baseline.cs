using System.Text.Json;
using Conformance.Suite.Catalog;

namespace Conformance.Suite.Running;

/// <summary>A known outcome in a baseline: <c>fail</c> or <c>error</c>, and why.</summary>
public sealed record BaselineEntry(string Outcome, string Why);

/// <summary>
/// Known outcomes keyed by requirement ID for one adapter and profile (formats.md §5):
/// <c>{ "adapter": "noiommu", "profile": "default", "expected": { "DMA-002": { "outcome": "fail", "why": "..." } } }</c>.
/// </summary>
public sealed record Baseline(string Adapter, string Profile, IReadOnlyDictionary<string, BaselineEntry> Expected)
{
    public static Baseline Parse(string json, string source = "baseline")
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        string Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"{source}: '{name}' must be a string");
        var expected = new Dictionary<string, BaselineEntry>(StringComparer.Ordinal);
        if (!root.TryGetProperty("expected", out var ex) || ex.ValueKind != JsonValueKind.Object) throw new FormatException($"{source}: 'expected' must be an object");
        foreach (var p in ex.EnumerateObject())
        {
            string outcome = Str(p.Value, "outcome");
            if (outcome is not ("fail" or "error")) throw new FormatException($"{source}: {p.Name}: outcome must be \"fail\" or \"error\", not \"{outcome}\"");
            expected[p.Name] = new BaselineEntry(outcome, p.Value.TryGetProperty("why", out var w) ? w.GetString() ?? "" : "");
        }
        return new Baseline(Str(root, "adapter"), Str(root, "profile"), expected);
    }

    public static Baseline Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The baseline the kit ships for one of its adapters, or null.</summary>
    public static Baseline? Shipped(string adapter, string profile)
    {
        var asm = typeof(Baseline).Assembly;
        string name = $"Conformance.Suite.Baselines.{adapter}.{profile}.json";
        using var stream = asm.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), name);
    }

    /// <summary>How xunit should see a raw outcome under this baseline (formats.md §5 "In xunit terms").</summary>
    public FinalOutcome Judge(string requirementId, RawOutcome raw)
    {
        Expected.TryGetValue(requirementId, out var e);
        return (raw, e?.Outcome) switch
        {
            (RawOutcome.Fail, "fail") or (RawOutcome.Error, "error") => FinalOutcome.ExpectedFail,
            (RawOutcome.Pass, "fail" or "error") => FinalOutcome.UnexpectedPass,
            (RawOutcome.Pass, _) => FinalOutcome.Pass,
            (RawOutcome.NotSupported, _) => FinalOutcome.NotSupported,
            (RawOutcome.Fail, _) => FinalOutcome.Fail,
            _ => FinalOutcome.Error,
        };
    }
}

public enum FinalOutcome { Pass, Fail, NotSupported, Error, ExpectedFail, UnexpectedPass }
