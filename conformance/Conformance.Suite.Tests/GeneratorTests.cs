using System.Collections.Immutable;
using Conformance.SpecGenerator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Conformance.Suite.Tests;

/// <summary>The spec generator: what it generates from spec text and check methods, and the build errors it reports.</summary>
public sealed class GeneratorTests
{
    private const string Stubs = """
        namespace Conformance.Suite
        {
            [System.AttributeUsage(System.AttributeTargets.Method)]
            public sealed class CheckAttribute(string id) : System.Attribute { }
            public sealed class CheckContext { }
            public sealed record CheckEntry(string RequirementId, string Name, System.Func<CheckContext, System.Threading.Tasks.Task> Run);
            public abstract partial class AdapterConformanceTests { protected System.Threading.Tasks.Task RunCheckAsync(string a, string b) => System.Threading.Tasks.Task.CompletedTask; }
            namespace Catalog { public sealed record RequirementInfo(string Id, string Title, string Level, System.Collections.Generic.IReadOnlyList<string> Capabilities, System.Collections.Generic.IReadOnlyList<string> Platforms, System.Collections.Generic.IReadOnlyList<string> Sources); }
        }
        namespace Xunit
        {
            public sealed class FactAttribute : System.Attribute { }
            [System.AttributeUsage(System.AttributeTargets.Method, AllowMultiple = true)]
            public sealed class TraitAttribute(string n, string v) : System.Attribute { }
        }
        """;

    private const string OneRequirement = """
        # Area

        ### DMA-002 Unmapped DMA is blocked
        level: MUST
        capabilities: none
        platforms: all
        source: facts §1.3

        DMA at an unmapped address MUST NOT reach memory.
        """;

    private sealed class SpecText(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    private static (ImmutableArray<Diagnostic> Diagnostics, string[] Sources) Run(string spec, string checks)
    {
        var compilation = CSharpCompilation.Create("t",
            [CSharpSyntaxTree.ParseText(Stubs, path: "Stubs.cs"), CSharpSyntaxTree.ParseText(checks, path: "Checks.cs")],
            Basic.References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new SuiteGenerator().AsSourceGenerator()], [new SpecText("/spec/dma.md", spec)]);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics, TestContext.Current.CancellationToken);
        var result = driver.GetRunResult();
        var all = diagnostics.AddRange(output.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error));
        return (all, result.GeneratedTrees.Select(t => t.ToString()).ToArray());
    }

    private const string GoodCheck = """
        namespace Conformance.Suite;
        internal static class C { [Check("DMA-002")] internal static System.Threading.Tasks.Task Blocked_dma(CheckContext ctx) => System.Threading.Tasks.Task.CompletedTask; }
        """;

    [Fact]
    public void A_requirement_with_a_check_becomes_a_fact_with_a_stable_name_and_traits()
    {
        var (diagnostics, sources) = Run(OneRequirement, GoodCheck);
        Assert.Empty(diagnostics);
        string tests = sources.Single(s => s.Contains("partial class AdapterConformanceTests", StringComparison.Ordinal));
        Assert.Contains("public global::System.Threading.Tasks.Task DMA_002__Blocked_dma()", tests, StringComparison.Ordinal);
        Assert.Contains("[global::Xunit.Trait(\"Requirement\", \"DMA-002\")]", tests, StringComparison.Ordinal);
        Assert.Contains("[global::Xunit.Trait(\"Level\", \"MUST\")]", tests, StringComparison.Ordinal);
        Assert.Contains("[global::Xunit.Trait(\"Capability\", \"none\")]", tests, StringComparison.Ordinal);
        Assert.Contains("[global::Xunit.Trait(\"Platform\", \"all\")]", tests, StringComparison.Ordinal);
        string catalog = sources.Single(s => s.Contains("class GeneratedSpec", StringComparison.Ordinal));
        Assert.Contains("\"facts §1.3\"", catalog, StringComparison.Ordinal);
    }

    [Fact]
    public void A_requirement_without_a_check_is_a_build_error_at_its_heading()
    {
        var (diagnostics, _) = Run(OneRequirement, "namespace Conformance.Suite; internal static class C { }");
        var d = Assert.Single(diagnostics, d => d.Id == "CSPEC003");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("/spec/dma.md", d.Location.GetLineSpan().Path);
        Assert.Equal(2, d.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void A_check_naming_an_unknown_requirement_is_a_build_error()
    {
        var (diagnostics, _) = Run(OneRequirement, GoodCheck + """

            internal static class D { [Check("DMA-999")] internal static System.Threading.Tasks.Task Nothing(CheckContext ctx) => System.Threading.Tasks.Task.CompletedTask; }
            """);
        var d = Assert.Single(diagnostics, d => d.Id == "CSPEC004");
        Assert.Contains("DMA-999", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("level: MUSTN'T", "level must be MUST, SHOULD or MAY")]
    [InlineData("colour: blue", "unknown key 'colour'")]
    [InlineData("capabilities: Bad Name", "bad capability name")]
    public void A_malformed_requirement_block_is_a_build_error_with_its_line(string badLine, string message)
    {
        string spec = OneRequirement.Replace("capabilities: none", badLine.StartsWith("capabilities", StringComparison.Ordinal) ? badLine : "capabilities: none\n" + badLine, StringComparison.Ordinal)
            .Replace("level: MUST\n", badLine.StartsWith("level", StringComparison.Ordinal) ? "" : "level: MUST\n", StringComparison.Ordinal);
        var (diagnostics, _) = Run(spec, GoodCheck);
        Assert.Contains(diagnostics, d => d.Id == "CSPEC001" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_spec_files_of_the_kit_parse_without_problems_and_every_requirement_cites_a_source()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "spec"), "*.md"))
        {
            var parsed = SpecParser.Parse(file, File.ReadAllText(file));
            Assert.Empty(parsed.Problems);
            Assert.All(parsed.Requirements, r => Assert.NotEmpty(r.Sources));
        }
    }
}

/// <summary>Metadata references for in-memory compilations: the running framework's assemblies.</summary>
internal static class Basic
{
    public static IEnumerable<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
}
