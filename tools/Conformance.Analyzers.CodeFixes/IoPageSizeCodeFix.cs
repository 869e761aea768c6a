using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Conformance.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Conformance.Analyzers.CodeFixes;

/// <summary>
/// DAK003 fix: a hard-coded 4 KiB IO page (4096, 0xFFF, ~0xFFF, a shift of 12) or a full 64-bit IOVA end becomes
/// what the capability in scope says: a <c>DmaWindow</c>'s <c>PageShift</c>, or the smallest of an
/// <c>IFullSpaceDma</c>/<c>IWindowedDma</c>'s <c>PageSizes</c> and the end of its last <c>IovaRanges</c> entry.
/// Offered only where such a value is in scope and the constant is not itself a <c>const</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(IoPageSizeCodeFix)), Shared]
public sealed class IoPageSizeCodeFix : CodeFixProvider
{
    private const string WindowType = "Conformance.Adapters.DmaWindow";
    private const string FullSpaceType = "Conformance.Adapters.IFullSpaceDma";
    private const string WindowedType = "Conformance.Adapters.IWindowedDma";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.PlatformConstantInNeutralCode);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(PlatformConstantAnalyzer.KindProperty, out var kind) || kind is null) continue;
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax node) continue;
            if (node.Ancestors().OfType<LocalDeclarationStatementSyntax>().Any(d => d.IsConst) ||
                node.Ancestors().OfType<FieldDeclarationSyntax>().Any(f => f.Modifiers.Any(SyntaxKind.ConstKeyword))) continue;
            var constant = model.GetConstantValue(node, context.CancellationToken);
            if (!constant.HasValue) continue;
            ulong value = constant.Value switch { int i => unchecked((ulong)i), uint u => u, long l => unchecked((ulong)l), ulong ul => ul, _ => 0 };
            var source = FindCapability(model, node.SpanStart);
            if (source is null) continue;
            var replacement = Replacement(kind, value, source.Value.Name, source.Value.Kind);
            if (replacement is null) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Use {source.Value.Name}'s {(kind == PlatformConstantAnalyzer.IovaSpaceKind ? "IOVA range" : "page size")}",
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(node,
                        SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(node)))),
                    nameof(IoPageSizeCodeFix) + kind),
                diagnostic);
        }
    }

    private enum CapKind { Window, PageSizes }

    private static (string Name, CapKind Kind)? FindCapability(SemanticModel model, int position)
    {
        foreach (var s in model.LookupSymbols(position))
        {
            ITypeSymbol? t = s switch { ILocalSymbol l => l.Type, IParameterSymbol p => p.Type, IFieldSymbol f => f.Type, IPropertySymbol pr => pr.Type, _ => null };
            if (t is null) continue;
            string full = t.ContainingNamespace?.ToDisplayString() + "." + t.Name;
            if (full == WindowType) return (s.Name, CapKind.Window);
            if (full is FullSpaceType or WindowedType || t.AllInterfaces.Any(i => i.ContainingNamespace?.ToDisplayString() + "." + i.Name is FullSpaceType or WindowedType))
                return (s.Name, CapKind.PageSizes);
        }
        return null;
    }

    private static string? Replacement(string kind, ulong value, string name, CapKind cap)
    {
        string page = cap == CapKind.Window ? $"(1UL << {name}.PageShift)" : $"{name}.PageSizes[0]";
        if (kind == PlatformConstantAnalyzer.IoPageKind)
        {
            return value switch
            {
                4096 => page,
                0xFFF => $"({page} - 1)",
                0xFFFF_FFFF_FFFF_F000 => $"~({page} - 1)",
                12 => cap == CapKind.Window ? $"{name}.PageShift" : $"System.Numerics.BitOperations.TrailingZeroCount({name}.PageSizes[0])",
                _ => null,
            };
        }
        if (kind == PlatformConstantAnalyzer.IovaSpaceKind && value == ulong.MaxValue)
        {
            return cap == CapKind.Window ? $"({name}.Start + {name}.Size - 1)" : null;
        }
        return null;
    }
}
