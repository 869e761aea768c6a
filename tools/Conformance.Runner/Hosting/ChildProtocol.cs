using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Hosting;

/// <summary>
/// The JSON-lines conversation between <c>conformance run</c> and its adapter host (one JSON object per line, UTF-8):
/// <code>
/// → {"op":"describe"}
/// ← {"op":"catalog","adapters":[{"name","platform","profile"}],"requirements":[{"id","title","level","capabilities","platforms","sources","checks"}]}
/// → {"op":"run","id":1,"adapter":"a","requirement":"DMA-001","check":"c","seed":"0x..."}
/// ← {"op":"result","id":1,"outcome":"Pass|Fail|NotSupported|Error","message":...,"seed":"0x...","reproduction":...}
/// → {"op":"ping"}                   ← {"op":"pong"}   (a restarted host is ready)
/// ← {"op":"fatal","message":"..."}   (the host cannot serve, e.g. no adapter in the assembly; it then exits)
/// </code>
/// Seeds travel as "0x..." strings so no JSON reader rounds them.
/// </summary>
internal static class ChildProtocol
{
    public static string Describe() => new JsonObject { ["op"] = "describe" }.ToJsonString();

    public static string Run(long id, string adapter, string requirement, string check, ulong seed) => new JsonObject
    {
        ["op"] = "run", ["id"] = id, ["adapter"] = adapter, ["requirement"] = requirement, ["check"] = check, ["seed"] = Seeds.Format(seed),
    }.ToJsonString();

    public static string Ping() => new JsonObject { ["op"] = "ping" }.ToJsonString();

    public static string Pong() => new JsonObject { ["op"] = "pong" }.ToJsonString();

    public static string Fatal(string message) => new JsonObject { ["op"] = "fatal", ["message"] = message }.ToJsonString();

    public static string Catalog(ISuiteCatalog catalog)
    {
        var adapters = new JsonArray();
        foreach (AdapterInfo a in catalog.Adapters)
            adapters.Add(new JsonObject { ["name"] = a.Name, ["platform"] = a.Platform, ["profile"] = a.Profile });
        var requirements = new JsonArray();
        foreach (RequirementInfo r in catalog.Requirements)
        {
            requirements.Add(new JsonObject
            {
                ["id"] = r.Id, ["title"] = r.Title, ["level"] = r.Level,
                ["capabilities"] = Strings(r.Capabilities), ["platforms"] = Strings(r.Platforms), ["sources"] = Strings(r.Sources),
                ["checks"] = Strings(catalog.ChecksFor(r.Id)),
            });
        }
        return new JsonObject { ["op"] = "catalog", ["adapters"] = adapters, ["requirements"] = requirements }.ToJsonString();
    }

    public static string Result(long id, CheckResult r) => new JsonObject
    {
        ["op"] = "result", ["id"] = id, ["outcome"] = r.Outcome.ToString(), ["message"] = r.Message,
        ["seed"] = Seeds.Format(r.Seed), ["reproduction"] = r.Reproduction,
    }.ToJsonString();

    public static JsonObject ParseLine(string line) =>
        JsonNode.Parse(line) as JsonObject ?? throw new FormatException("not a JSON object");

    public static string Op(JsonObject o) => (string?)o["op"] ?? throw new FormatException("no \"op\"");

    public static CheckResult ReadResult(JsonObject o)
    {
        RawOutcome outcome = Enum.Parse<RawOutcome>((string?)o["outcome"] ?? throw new FormatException("no outcome"));
        return new CheckResult(outcome, (string?)o["message"], ReadSeed(o["seed"]), (string?)o["reproduction"]);
    }

    public static ulong ReadSeed(JsonNode? n) =>
        n is null ? 0 : ulong.Parse(((string)n!)[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    public static (IReadOnlyList<AdapterInfo> Adapters, IReadOnlyList<RequirementInfo> Requirements, IReadOnlyDictionary<string, IReadOnlyList<string>> Checks) ReadCatalog(JsonObject o)
    {
        var adapters = new List<AdapterInfo>();
        foreach (JsonNode? a in o["adapters"]!.AsArray())
            adapters.Add(new AdapterInfo((string)a!["name"]!, (string)a["platform"]!, (string)a["profile"]!));
        var requirements = new List<RequirementInfo>();
        var checks = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (JsonNode? r in o["requirements"]!.AsArray())
        {
            var info = new RequirementInfo((string)r!["id"]!, (string)r["title"]!, (string)r["level"]!,
                ReadStrings(r["capabilities"]), ReadStrings(r["platforms"]), ReadStrings(r["sources"]));
            requirements.Add(info);
            checks[info.Id] = ReadStrings(r["checks"]);
        }
        return (adapters, requirements, checks);
    }

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode)s)]);

    private static string[] ReadStrings(JsonNode? n) => n is JsonArray a ? [.. a.Select(x => (string)x!)] : [];

    internal static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
}
