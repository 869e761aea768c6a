using Microsoft.CodeAnalysis;

namespace Conformance.Analyzers.Infrastructure;

internal static class Symbols
{
    private static readonly SymbolDisplayFormat FullName = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.None);

    /// <summary><c>Conformance.Reference.Platform.Machine</c>; nested types as <c>Outer.Inner</c>.</summary>
    public static string FullTypeName(this ITypeSymbol type) => type.OriginalDefinition.ToDisplayString(FullName);

    /// <summary><c>Conformance.Reference.Platform.Machine.CpuRead</c>.</summary>
    public static string FullMemberName(this ISymbol member) =>
        member.ContainingType is { } t ? t.FullTypeName() + "." + member.Name : member.Name;

    public static string NamespaceName(this ISymbol symbol) =>
        symbol.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "";

    public static bool IsInNamespace(this ISymbol symbol, string ns)
    {
        var n = symbol is INamespaceSymbol s ? s.ToDisplayString() : symbol.NamespaceName();
        return n == ns || n.StartsWith(ns + ".", System.StringComparison.Ordinal);
    }

    /// <summary>The method as declared (an extension called in reduced form, a generic instantiation).</summary>
    public static IMethodSymbol Declared(this IMethodSymbol m) => (m.ReducedFrom ?? m).OriginalDefinition;

    public static bool IsType(this ITypeSymbol? type, string fullName) =>
        type is not null && type.FullTypeName() == fullName;

    /// <summary>The type or any of its base types has the full name.</summary>
    public static bool IsOrDerivesFrom(this ITypeSymbol? type, string fullName)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (t.FullTypeName() == fullName) return true;
        return false;
    }

    /// <summary>The type is, derives from, or implements the full name.</summary>
    public static bool IsOrImplements(this ITypeSymbol? type, string fullName)
    {
        if (type is null) return false;
        if (type.IsOrDerivesFrom(fullName)) return true;
        foreach (var i in type.AllInterfaces)
            if (i.FullTypeName() == fullName) return true;
        return false;
    }
}
