using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Conformance.Analyzers.Infrastructure;

/// <summary>
/// The analyzer's options, read from <c>.editorconfig</c> / <c>.globalconfig</c> (see <c>docs/rules/README.md</c>).
/// Every option has a default that matches the kit's own contract and model, so the preset only sets severities.
/// </summary>
internal static class PolicyOptions
{
    /// <summary>Namespace segments that mark platform-specific adapter code (exempt from DAK003).</summary>
    public const string PlatformNamespacesKey = "conformance_platform_namespaces";
    /// <summary>Set to <c>true</c> for a folder in .editorconfig to declare all its code platform-specific.</summary>
    public const string PlatformSpecificKey = "conformance_platform_specific";
    /// <summary>The root namespace of the reference model (DAK006).</summary>
    public const string ModelNamespaceKey = "conformance_model_namespace";
    /// <summary>Extra architected-surface entries for DAK006, separated by <c>;</c> (same syntax as ConformanceModelSurface.txt).</summary>
    public const string ModelSurfaceKey = "conformance_model_surface";

    public static readonly ImmutableArray<string> DefaultPlatformSegments =
        ImmutableArray.Create("IntelVtd", "Vtd", "AmdVi", "Amd", "Power", "Phb", "Spapr", "Opal", "X86", "Ppc");

    private static readonly char[] ListSeparators = { ',', ';' };

    public const string DefaultModelNamespace = "Conformance.Reference";

    /// <summary>The attribute (matched by simple name, any namespace) that marks a type or assembly platform-specific.</summary>
    public const string PlatformSpecificAttributeName = "PlatformSpecificAttribute";

    public static string? Get(AnalyzerOptions options, SyntaxTree? tree, string key)
    {
        if (tree is not null && options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(key, out var v))
            return v;
        return options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(key, out v) ? v : null;
    }

    public static ImmutableArray<string> GetList(AnalyzerOptions options, SyntaxTree? tree, string key, ImmutableArray<string> fallback)
    {
        var v = Get(options, tree, key);
        if (v is null) return fallback;
        return v.Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0).ToImmutableArray();
    }

    public static string ModelNamespace(AnalyzerOptions options, SyntaxTree? tree) =>
        Get(options, tree, ModelNamespaceKey)?.Trim() is { Length: > 0 } ns ? ns : DefaultModelNamespace;

    /// <summary>
    /// Platform-specific code, by the kit's convention (docs/rules/DAK003.md): a namespace with a platform segment
    /// (<c>Conformance.Adapters.IntelVtd</c>), a type or enclosing type or assembly carrying an attribute named
    /// <c>PlatformSpecificAttribute</c>, or a file whose .editorconfig section sets <c>conformance_platform_specific = true</c>.
    /// </summary>
    public static bool IsPlatformSpecific(ISymbol? symbol, SyntaxTree? tree, AnalyzerOptions options)
    {
        if (string.Equals(Get(options, tree, PlatformSpecificKey)?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
            return true;
        if (symbol is null) return false;
        var segments = GetList(options, tree, PlatformNamespacesKey, DefaultPlatformSegments);
        for (var ns = symbol as INamespaceSymbol ?? symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            foreach (var s in segments)
                if (string.Equals(ns.Name, s, StringComparison.OrdinalIgnoreCase)) return true;
        }
        for (var t = symbol as INamedTypeSymbol ?? symbol.ContainingType; t is not null; t = t.ContainingType)
        {
            if (HasPlatformAttribute(t.GetAttributes())) return true;
        }
        return symbol.ContainingAssembly is { } asm && HasPlatformAttribute(asm.GetAttributes());
    }

    private static bool HasPlatformAttribute(ImmutableArray<AttributeData> attributes)
    {
        foreach (var a in attributes)
            if (a.AttributeClass?.Name == PlatformSpecificAttributeName) return true;
        return false;
    }
}
