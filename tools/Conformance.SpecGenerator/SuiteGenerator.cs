using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Conformance.SpecGenerator;

/// <summary>A method marked <c>[Check("ID")]</c> in the suite library.</summary>
internal sealed record CheckMethod(string RequirementId, string TypeName, string MethodName, bool ShapeOk, string ShapeProblem, string FilePath, TextSpan Span, LinePositionSpan LineSpan);

/// <summary>
/// Generates, from spec/*.md (AdditionalFiles) and the suite's <c>[Check]</c> methods: the requirement catalog
/// (<c>Conformance.Suite.GeneratedSpec</c>) and one xunit.v3 test per check on <c>AdapterConformanceTests</c>, with
/// stable names <c>ID__CheckName</c> and traits Requirement, Level, Capability, Platform, Check.
/// A requirement without a check, or a check naming an unknown requirement, is a build error.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SuiteGenerator : IIncrementalGenerator
{
    private const string CheckAttribute = "Conformance.Suite.CheckAttribute";

    internal static readonly DiagnosticDescriptor SpecProblem = new("CSPEC001", "Malformed spec", "{0}", "Spec", DiagnosticSeverity.Error, true,
        helpLinkUri: "docs/spec-format.md");
    internal static readonly DiagnosticDescriptor DuplicateId = new("CSPEC002", "Duplicate requirement ID", "Requirement {0} is defined more than once (also at {1})", "Spec", DiagnosticSeverity.Error, true);
    internal static readonly DiagnosticDescriptor NoCheck = new("CSPEC003", "Requirement without a check", "Requirement {0} has no check: add a method marked [Check(\"{0}\")] to the suite", "Spec", DiagnosticSeverity.Error, true);
    internal static readonly DiagnosticDescriptor UnknownRequirement = new("CSPEC004", "Check names an unknown requirement", "Check {0}.{1} names requirement {2}, which no spec file defines", "Spec", DiagnosticSeverity.Error, true);
    internal static readonly DiagnosticDescriptor BadShape = new("CSPEC005", "Check method has the wrong shape", "Check {0}.{1}: {2}", "Spec", DiagnosticSeverity.Error, true);
    internal static readonly DiagnosticDescriptor DuplicateCheck = new("CSPEC006", "Duplicate check name", "Requirement {0} has two checks named {1}", "Spec", DiagnosticSeverity.Error, true);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var specs = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) => SpecParser.Parse(t.Path, t.GetText(ct)?.ToString() ?? ""))
            .Collect();

        var checks = context.SyntaxProvider.ForAttributeWithMetadataName(CheckAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ToCheck(ctx, ct))
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .Collect();

        context.RegisterSourceOutput(specs.Combine(checks), static (spc, pair) => Emit(spc, pair.Left, pair.Right));
    }

    private static CheckMethod? ToCheck(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        if (ctx.TargetSymbol is not IMethodSymbol method) return null;
        var attr = ctx.Attributes.FirstOrDefault();
        string id = attr?.ConstructorArguments.Length > 0 ? attr.ConstructorArguments[0].Value as string ?? "" : "";
        string problem = "";
        if (!method.IsStatic) problem = "a check must be static";
        else if (method.Parameters.Length != 1 || method.Parameters[0].Type.ToDisplayString() != "Conformance.Suite.CheckContext")
            problem = "a check takes exactly one parameter of type Conformance.Suite.CheckContext";
        else if (method.ReturnType.ToDisplayString() is not ("System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask"))
            problem = "a check returns Task or ValueTask";
        else if (method.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected)
            problem = "a check must be internal or public";
        var loc = ctx.TargetNode is MethodDeclarationSyntax m ? m.Identifier.GetLocation() : ctx.TargetNode.GetLocation();
        var line = loc.GetLineSpan();
        return new CheckMethod(id, method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), method.Name,
            problem.Length == 0, problem, line.Path, loc.SourceSpan, line.Span);
    }

    private static Location SpecLocation(string file, int line) =>
        Location.Create(file, new TextSpan(0, 0), new LinePositionSpan(new LinePosition(Math.Max(0, line - 1), 0), new LinePosition(Math.Max(0, line - 1), 0)));

    private static void Emit(SourceProductionContext spc, ImmutableArray<SpecFile> files, ImmutableArray<CheckMethod> checks)
    {
        var requirements = new List<SpecRequirement>();
        var seen = new Dictionary<string, SpecRequirement>(StringComparer.Ordinal);
        foreach (var f in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            foreach (var p in f.Problems) spc.ReportDiagnostic(Diagnostic.Create(SpecProblem, SpecLocation(p.File, p.Line), $"{p.Message}"));
            foreach (var r in f.Requirements)
            {
                if (seen.TryGetValue(r.Id, out var first))
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DuplicateId, SpecLocation(r.File, r.Line), r.Id, $"{first.File}:{first.Line}"));
                    continue;
                }
                seen[r.Id] = r;
                requirements.Add(r);
            }
        }
        requirements.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));

        var byRequirement = new Dictionary<string, List<CheckMethod>>(StringComparer.Ordinal);
        foreach (var c in checks.OrderBy(c => c.RequirementId, StringComparer.Ordinal).ThenBy(c => c.MethodName, StringComparer.Ordinal))
        {
            var location = Location.Create(c.FilePath, c.Span, c.LineSpan);
            if (!c.ShapeOk) { spc.ReportDiagnostic(Diagnostic.Create(BadShape, location, c.TypeName, c.MethodName, c.ShapeProblem)); continue; }
            if (!seen.ContainsKey(c.RequirementId)) { spc.ReportDiagnostic(Diagnostic.Create(UnknownRequirement, location, c.TypeName, c.MethodName, c.RequirementId)); continue; }
            if (!byRequirement.TryGetValue(c.RequirementId, out var list)) byRequirement[c.RequirementId] = list = [];
            if (list.Any(x => x.MethodName == c.MethodName)) { spc.ReportDiagnostic(Diagnostic.Create(DuplicateCheck, location, c.RequirementId, c.MethodName)); continue; }
            list.Add(c);
        }
        foreach (var r in requirements)
        {
            if (!byRequirement.ContainsKey(r.Id)) spc.ReportDiagnostic(Diagnostic.Create(NoCheck, SpecLocation(r.File, r.Line), r.Id));
        }

        spc.AddSource("GeneratedSpec.g.cs", SourceText.From(Catalog(requirements, byRequirement), Encoding.UTF8));
        spc.AddSource("AdapterConformanceTests.g.cs", SourceText.From(Tests(requirements, byRequirement), Encoding.UTF8));
    }

    internal static string Literal(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char ch in s)
        {
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (ch < ' ') sb.Append("\\u").Append(((int)ch).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    private static string List(IEnumerable<string> items) => "new string[] { " + string.Join(", ", items.Select(Literal)) + " }";

    private static string Catalog(List<SpecRequirement> requirements, Dictionary<string, List<CheckMethod>> checks)
    {
        var sb = new StringBuilder();
        sb.AppendLine("// <auto-generated> by Conformance.SpecGenerator from spec/*.md </auto-generated>");
        sb.AppendLine("#nullable enable");
        sb.AppendLine("namespace Conformance.Suite;");
        sb.AppendLine();
        sb.AppendLine("/// <summary>The requirements of spec/*.md and the checks bound to them, as generated at build time.</summary>");
        sb.AppendLine("public static partial class GeneratedSpec");
        sb.AppendLine("{");
        sb.AppendLine("    /// <summary>Every requirement, sorted by ID.</summary>");
        sb.AppendLine("    public static global::System.Collections.Generic.IReadOnlyList<global::Conformance.Suite.Catalog.RequirementInfo> Requirements { get; } = new global::Conformance.Suite.Catalog.RequirementInfo[]");
        sb.AppendLine("    {");
        foreach (var r in requirements)
        {
            sb.AppendLine($"        new({Literal(r.Id)}, {Literal(r.Title)}, {Literal(r.Level)}, {List(r.Capabilities)}, {List(r.Platforms)}, {List(r.Sources)}),");
        }
        sb.AppendLine("    };");
        sb.AppendLine();
        sb.AppendLine("    /// <summary>The requirement text (RFC 2119 prose) by ID.</summary>");
        sb.AppendLine("    public static global::System.Collections.Generic.IReadOnlyDictionary<string, string> Texts { get; } = new global::System.Collections.Generic.Dictionary<string, string>(global::System.StringComparer.Ordinal)");
        sb.AppendLine("    {");
        foreach (var r in requirements) sb.AppendLine($"        [{Literal(r.Id)}] = {Literal(r.Text)},");
        sb.AppendLine("    };");
        sb.AppendLine();
        sb.AppendLine("    /// <summary>Every check, by requirement then name.</summary>");
        sb.AppendLine("    public static global::System.Collections.Generic.IReadOnlyList<global::Conformance.Suite.CheckEntry> Checks { get; } = new global::Conformance.Suite.CheckEntry[]");
        sb.AppendLine("    {");
        foreach (var r in requirements)
        {
            if (!checks.TryGetValue(r.Id, out var list)) continue;
            foreach (var c in list)
                sb.AppendLine($"        new({Literal(r.Id)}, {Literal(c.MethodName)}, static ctx => {c.TypeName}.{c.MethodName}(ctx)),");
        }
        sb.AppendLine("    };");
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string Tests(List<SpecRequirement> requirements, Dictionary<string, List<CheckMethod>> checks)
    {
        var sb = new StringBuilder();
        sb.AppendLine("// <auto-generated> by Conformance.SpecGenerator from spec/*.md </auto-generated>");
        sb.AppendLine("#nullable enable");
        sb.AppendLine("namespace Conformance.Suite;");
        sb.AppendLine();
        sb.AppendLine("public abstract partial class AdapterConformanceTests");
        sb.AppendLine("{");
        foreach (var r in requirements)
        {
            if (!checks.TryGetValue(r.Id, out var list)) continue;
            foreach (var c in list)
            {
                sb.AppendLine($"    /// <summary>{Xml(r.Id)} ({Xml(r.Level)}) {Xml(r.Title)}: {Xml(r.Text)}</summary>");
                sb.AppendLine("    [global::Xunit.Fact]");
                sb.AppendLine($"    [global::Xunit.Trait(\"Requirement\", {Literal(r.Id)})]");
                sb.AppendLine($"    [global::Xunit.Trait(\"Level\", {Literal(r.Level)})]");
                foreach (var cap in r.Capabilities.Count == 0 ? new[] { "none" } : r.Capabilities.ToArray())
                    sb.AppendLine($"    [global::Xunit.Trait(\"Capability\", {Literal(cap)})]");
                foreach (var p in r.Platforms.Count == 0 ? new[] { "all" } : r.Platforms.ToArray())
                    sb.AppendLine($"    [global::Xunit.Trait(\"Platform\", {Literal(p)})]");
                sb.AppendLine($"    [global::Xunit.Trait(\"Check\", {Literal(c.MethodName)})]");
                sb.AppendLine($"    public global::System.Threading.Tasks.Task {r.Id.Replace('-', '_')}__{c.MethodName}() => RunCheckAsync({Literal(r.Id)}, {Literal(c.MethodName)});");
                sb.AppendLine();
            }
        }
        sb.AppendLine("}");
        return sb.ToString();
    }

    private static string Xml(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
