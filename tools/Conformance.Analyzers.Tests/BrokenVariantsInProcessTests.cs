using System.Collections.Immutable;
using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Conformance.Analyzers.Tests;

/// <summary>
/// The rules over the broken adapter variants (adapters/Conformance.Adapters.Broken), in process: the project's
/// sources compiled against the kit's contract and model and analysed with all seven rules. Each variant file gets
/// exactly the IDs its <c>[ExpectedDiagnostic]</c> attributes name, and none when it is <c>[StaticallyInvisible]</c>.
/// This checks the rules independently of the build wiring; conformance/Conformance.Adapters.Broken.Tests checks that
/// the normal build reports the same (its SARIF log).
/// </summary>
public sealed class BrokenVariantsInProcessTests
{
    private static string ProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conformance.sln")))
                return Path.Combine(dir.FullName, "adapters", "Conformance.Adapters.Broken");
        }
        throw new InvalidOperationException("the repository root (Conformance.sln) is not above the test's directory");
    }

    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Lazy<(IReadOnlyList<SyntaxTree> Trees, ImmutableArray<Diagnostic> Compiler, ImmutableArray<Diagnostic> Policy)> Analysed = new(() =>
    {
        string dir = ProjectDirectory();
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, path: f))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, options, path: "GlobalUsings.g.cs"))
            .ToList();
        // The assembly name matters: the VT-d driver's internals are visible to this name only.
        var compilation = CSharpCompilation.Create("Conformance.Adapters.Broken", trees, TestReferences.Metadata,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        ImmutableArray<DiagnosticAnalyzer> analyzers =
        [
            new TopologyHeuristicAnalyzer(), new DeviceGranularOwnershipAnalyzer(), new PlatformConstantAnalyzer(),
            new MappingWithoutCapabilityAnalyzer(), new IgnoredErrorStateAnalyzer(), new ModelInternalsAnalyzer(),
            new UnmapWithoutInvalidationAnalyzer(),
        ];
        var policy = compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        var compiler = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return (trees, compiler, policy);
    });

    /// <summary>(file, expected IDs or null when statically invisible) per variant class found by its attributes.</summary>
    private static IEnumerable<(string Class, string File, IReadOnlyList<string>? Expected)> VariantsInSource()
    {
        foreach (var tree in Analysed.Value.Trees)
        {
            foreach (var c in tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            {
                var attributes = c.AttributeLists.SelectMany(l => l.Attributes).ToList();
                var expected = attributes.Where(a => a.Name.ToString() is "ExpectedDiagnostic")
                    .Select(a => ((LiteralExpressionSyntax)a.ArgumentList!.Arguments[0].Expression).Token.ValueText).Order(StringComparer.Ordinal).ToList();
                bool invisible = attributes.Any(a => a.Name.ToString() is "StaticallyInvisible");
                if (expected.Count == 0 && !invisible) continue;
                yield return (c.Identifier.ValueText, tree.FilePath, invisible ? null : expected);
            }
        }
    }

    [Fact]
    public void The_variants_compile_against_the_kits_contract_and_model()
    {
        var errors = Analysed.Value.Compiler;
        Assert.True(errors.IsEmpty, string.Join("\n", errors.Take(10)));
    }

    [Fact]
    public void Every_variant_file_gets_exactly_the_rules_its_attributes_expect_and_no_rule_fires_elsewhere()
    {
        var variants = VariantsInSource().ToList();
        Assert.True(variants.Count >= 10, $"only {variants.Count} variants found in {ProjectDirectory()}");
        var policy = Analysed.Value.Policy;
        foreach (var (name, file, expected) in variants)
        {
            var got = policy.Where(d => d.Location.SourceTree?.FilePath == file).Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.True((expected ?? []).SequenceEqual(got),
                $"{name}: expected {(expected is null ? "none (statically invisible)" : string.Join(", ", expected))}, the rules reported {(got.Count == 0 ? "nothing" : string.Join(", ", got))}");
        }
        var files = variants.Select(v => v.File).ToHashSet(StringComparer.Ordinal);
        var stray = policy.Where(d => d.Location.SourceTree is not { } t || !files.Contains(t.FilePath)).ToList();
        Assert.True(stray.Count == 0, "policy findings outside the variants: " + string.Join("; ", stray));
    }
}
