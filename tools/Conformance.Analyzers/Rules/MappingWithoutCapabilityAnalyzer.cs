using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK004: a BAR page put into a guest's CPU map by code that never asks whether the MSI-X table may be mapped
/// (<c>AdapterCapabilities.MsixTableMappable</c>, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) or whether a sub-page BAR may be
/// (<c>AdapterCapabilities.SubPageBarMapping</c>). The seed: "we don't need to masquerade the MSI-X table ... We don't
/// need to prevent MMIO pass-through for small BARs ... This should be some kind of capability or flag passed by the
/// arch". The check looks at the method that maps, and one level into the methods of the same compilation it calls.
/// An override of the kit's mapping policy hook (<c>GuestBase.MayMapPage</c>) must ask both as well, or defer to base.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MappingWithoutCapabilityAnalyzer : DiagnosticAnalyzer
{
    public const string MapMethodsKey = "conformance_bar_map_methods";
    public const string PolicyHooksKey = "conformance_bar_policy_methods";
    public const string MsixCapability = "MsixTableMappable";
    public const string SubPageCapability = "SubPageBarMapping";

    private static readonly ImmutableArray<string> DefaultMapMethods = ImmutableArray.Create("Conformance.Adapters.Platform.GuestCpuMap.Map");
    private static readonly ImmutableArray<string> DefaultPolicyHooks = ImmutableArray.Create("Conformance.Adapters.Common.GuestBase.MayMapPage");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.MappingWithoutCapability);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var maps = PolicyOptions.GetList(start.Options, null, MapMethodsKey, DefaultMapMethods).ToImmutableHashSet(StringComparer.Ordinal);
            var hooks = PolicyOptions.GetList(start.Options, null, PolicyHooksKey, DefaultPolicyHooks).ToImmutableHashSet(StringComparer.Ordinal);
            start.RegisterOperationAction(c => AnalyzeMap(c, maps), OperationKind.Invocation);
            start.RegisterSymbolAction(c => AnalyzeHook(c, hooks), SymbolKind.Method);
        });
    }

    private static void AnalyzeMap(OperationAnalysisContext c, ImmutableHashSet<string> maps)
    {
        var inv = (IInvocationOperation)c.Operation;
        if (!maps.Contains(inv.TargetMethod.Declared().FullMemberName())) return;
        // RAM going into the CPU map is not a BAR
        var kind = inv.Arguments.FirstOrDefault(a => a.Parameter?.Type.TypeKind == TypeKind.Enum)?.Value;
        if (kind is IFieldReferenceOperation { Field.Name: "Ram" }) return;

        var body = inv.Syntax.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        if (body is null) return;
        var names = Mentioned(body, inv.SemanticModel, c.CancellationToken);
        foreach (var (cap, what) in new[] { (MsixCapability, "The MSI-X table page of a BAR"), (SubPageCapability, "A sub-page BAR (sharing its page with another device)") })
        {
            if (!names.Contains(cap))
                c.ReportDiagnostic(Diagnostic.Create(Descriptors.MappingWithoutCapability, inv.Syntax.GetLocation(), what, "AdapterCapabilities." + cap));
        }
    }

    /// <summary>Identifiers in a method body and in the bodies of same-compilation methods it calls (one level).</summary>
    private static HashSet<string> Mentioned(SyntaxNode body, SemanticModel? model, System.Threading.CancellationToken ct)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in body.DescendantNodes().OfType<IdentifierNameSyntax>()) names.Add(id.Identifier.ValueText);
        if (model is null) return names;
        foreach (var call in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (model.SyntaxTree != call.SyntaxTree) continue;
            if (model.GetSymbolInfo(call, ct).Symbol is not IMethodSymbol m) continue;
            foreach (var r in m.OriginalDefinition.DeclaringSyntaxReferences)
                foreach (var id in r.GetSyntax(ct).DescendantNodes().OfType<IdentifierNameSyntax>()) names.Add(id.Identifier.ValueText);
        }
        return names;
    }

    private static void AnalyzeHook(SymbolAnalysisContext c, ImmutableHashSet<string> hooks)
    {
        var m = (IMethodSymbol)c.Symbol;
        if (!m.IsOverride || m.OverriddenMethod is null) return;
        bool isHook = false;
        for (var o = m.OverriddenMethod; o is not null; o = o.OverriddenMethod)
            if (hooks.Contains(o.OriginalDefinition.FullMemberName())) { isHook = true; break; }
        if (!isHook) return;
        foreach (var r in m.DeclaringSyntaxReferences)
        {
            var syntax = r.GetSyntax(c.CancellationToken);
            var ids = new HashSet<string>(syntax.DescendantNodes().OfType<IdentifierNameSyntax>().Select(i => i.Identifier.ValueText), StringComparer.Ordinal);
            bool defers = syntax.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Any(ma => ma.Expression is BaseExpressionSyntax && ma.Name.Identifier.ValueText == m.Name);
            if (defers) continue;
            var loc = m.Locations.FirstOrDefault(l => l.IsInSource) ?? Location.None;
            if (!ids.Contains(MsixCapability))
                c.ReportDiagnostic(Diagnostic.Create(Descriptors.MappingWithoutCapability, loc, "The MSI-X table page (through the " + m.Name + " override)", "AdapterCapabilities." + MsixCapability));
            if (!ids.Contains(SubPageCapability))
                c.ReportDiagnostic(Diagnostic.Create(Descriptors.MappingWithoutCapability, loc, "A sub-page BAR (through the " + m.Name + " override)", "AdapterCapabilities." + SubPageCapability));
        }
    }
}
