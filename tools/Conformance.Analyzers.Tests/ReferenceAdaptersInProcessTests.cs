using System.Collections.Immutable;
using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Conformance.Analyzers.Tests;

/// <summary>
/// The rules over the kit's reference adapters (adapters/Conformance.Adapters), in process: the real sources compiled
/// against the model, analysed with all seven rules, are clean; and DAK007 really follows the VT-d reference's unmap
/// and map (its <c>ClearLeaves</c>, <c>Store(leaf, 0)</c>, the batched IOTLB flush) and its context-entry clears: a
/// copy of the sources with one invalidation taken out gets DAK007 exactly there.
/// </summary>
public sealed class ReferenceAdaptersInProcessTests
{
    private static string ProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conformance.sln")))
                return Path.Combine(dir.FullName, "adapters", "Conformance.Adapters");
        }
        throw new InvalidOperationException("the repository root (Conformance.sln) is not above the test's directory");
    }

    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Sources = new(() =>
    {
        string dir = ProjectDirectory();
        return Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllText);
    });

    /// <summary>The sources (with <paramref name="edit"/> applied to one file) compiled as the adapters' assembly and analysed.</summary>
    private static (ImmutableArray<Diagnostic> Compiler, ImmutableArray<Diagnostic> Policy) Analyse(params DiagnosticAnalyzer[] analyzers) => Analyse(null, analyzers);

    private static (ImmutableArray<Diagnostic> Compiler, ImmutableArray<Diagnostic> Policy) Analyse((string File, string Old, string New)? edit, params DiagnosticAnalyzer[] analyzers)
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = new List<SyntaxTree>();
        foreach (var (file, text) in Sources.Value)
        {
            string source = text;
            if (edit is { } e && e.File == file)
            {
                Assert.True(source.Contains(e.Old, StringComparison.Ordinal), $"{file} no longer contains the code this test edits: {e.Old}");
                source = source.Replace(e.Old, e.New, StringComparison.Ordinal);
            }
            trees.Add(CSharpSyntaxTree.ParseText(source, options, path: file));
        }
        trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, options, path: "GlobalUsings.g.cs"));
        string adapters = typeof(Conformance.Adapters.Result).Assembly.Location;
        var references = TestReferences.Metadata.Where(r => r is not PortableExecutableReference { FilePath: var p } || p != adapters);
        var compilation = CSharpCompilation.Create("Conformance.Adapters", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var policy = compilation.WithAnalyzers([.. analyzers]).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        var compiler = compilation.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return (compiler, policy);
    }

    private static string Show(IEnumerable<Diagnostic> ds) => string.Join("\n", ds.Select(d => $"{d.Id} {d.Location.GetLineSpan()}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

    private static string At(Diagnostic d) => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan);

    [Fact]
    public void The_reference_adapters_are_clean_under_all_seven_rules()
    {
        var (compiler, policy) = Analyse(
            new TopologyHeuristicAnalyzer(), new DeviceGranularOwnershipAnalyzer(), new PlatformConstantAnalyzer(),
            new MappingWithoutCapabilityAnalyzer(), new IgnoredErrorStateAnalyzer(), new ModelInternalsAnalyzer(),
            new UnmapWithoutInvalidationAnalyzer());
        Assert.True(compiler.IsEmpty, Show(compiler.Take(10)));
        // The sources' own suppressions ([SuppressMessage], #pragma) are honoured as in the build.
        var unsuppressed = policy.Where(d => !d.IsSuppressed).ToList();
        Assert.True(unsuppressed.Count == 0, Show(unsuppressed));
    }

    private const string VtdGuest = "IntelVtd/VtdGuest.cs";
    private const string VtdAdapter = "IntelVtd/VtdAdapter.cs";

    [Fact]
    public void The_vtd_unmap_without_its_iotlb_flush_gets_DAK007_at_its_clear_leaves()
    {
        var (compiler, policy) = Analyse((VtdGuest,
            """
                    if (flush.Count > 0 && !InvalidateRanges(flush))
                        return new(new AdapterError(AdapterErrorKind.Io, "the IOTLB invalidation did not complete"));
            """, ""), new UnmapWithoutInvalidationAnalyzer());
        Assert.True(compiler.IsEmpty, Show(compiler.Take(10)));
        var d = Assert.Single(policy);
        Assert.Equal("DAK007", d.Id);
        Assert.Equal(VtdGuest, d.Location.SourceTree!.FilePath);
        Assert.Equal("ClearLeaves(m.Key, m.Value)", At(d));
        Assert.Contains("UnmapAsync", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void The_vtd_map_rollback_without_its_flush_gets_DAK007()
    {
        var (_, policy) = Analyse((VtdGuest, "                InvalidateRange(iova, o);\n", ""), new UnmapWithoutInvalidationAnalyzer());
        // At the rollback's clear in MapAsync; a caller that reaches that path one call deep (OnCreateAsync's map of
        // guest RAM) may be reported too, and nothing else.
        Assert.All(policy, d => Assert.Equal("DAK007", d.Id));
        Assert.Contains(policy, d => At(d) == "ClearLeaves(iova, o)"
            && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("MapAsync", StringComparison.Ordinal));
        Assert.All(policy, d => Assert.True(At(d) is "ClearLeaves(iova, o)" or "MapAsync(0, 0, Config.MemorySize, DmaAccess.ReadWrite, ct)", At(d)));
    }

    [Fact]
    public void Clearing_a_vtd_context_entry_without_the_context_cache_invalidation_gets_DAK007_at_the_store_of_zero()
    {
        var (_, policy) = Analyse((VtdAdapter,
            "        bool ok = Invalidate([VtdDescriptors.ContextCache(3, did, device.RequesterId), VtdDescriptors.Iotlb(2, did)]);",
            "        bool ok = true;"), new UnmapWithoutInvalidationAnalyzer());
        Assert.Equal(["Store(entry + 8, 0)", "Store(entry, 0)"], policy.Select(At).Order(StringComparer.Ordinal));
        Assert.All(policy, d => Assert.Equal(VtdAdapter, d.Location.SourceTree!.FilePath));
    }
}
