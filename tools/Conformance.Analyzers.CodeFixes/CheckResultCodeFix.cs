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
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Conformance.Analyzers.CodeFixes;

/// <summary>
/// DAK005 fix: a discarded contract result in a method that itself returns a contract result becomes
/// <c>var result = ...; if (!result.IsOk) return result.Error;</c> (the error travels up, as VFIO's errno would).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CheckResultCodeFix)), Shared]
public sealed class CheckResultCodeFix : CodeFixProvider
{
    private const string ResultType = "Conformance.Adapters.Result";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.IgnoredErrorState);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(IgnoredErrorStateAnalyzer.KindProperty, out var kind) || kind != IgnoredErrorStateAnalyzer.DiscardedKind) continue;
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var statement = node.AncestorsAndSelf().OfType<ExpressionStatementSyntax>().FirstOrDefault();
            if (statement is null) continue;
            var value = statement.Expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } a ? a.Right : statement.Expression;
            if (!IsResult(model.GetTypeInfo(value, context.CancellationToken).Type)) continue;
            if (!EnclosingReturnsResult(statement, model, context.CancellationToken)) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Check the result and return its error", ct => Fix(context.Document, statement, value, ct), nameof(CheckResultCodeFix)),
                diagnostic);
        }
    }

    private static bool IsResult(ITypeSymbol? t) =>
        t is INamedTypeSymbol n && n.ContainingNamespace?.ToDisplayString() + "." + n.Name == ResultType;

    private static bool EnclosingReturnsResult(SyntaxNode node, SemanticModel model, CancellationToken ct)
    {
        var member = node.Ancestors().FirstOrDefault(n => n is MethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
        if (member is null || member is AnonymousFunctionExpressionSyntax) return false;
        var symbol = model.GetDeclaredSymbol(member, ct) as IMethodSymbol;
        var ret = symbol?.ReturnType;
        if (symbol is { IsAsync: true } && ret is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task) ret = task.TypeArguments[0];
        return IsResult(ret);
    }

    private static async Task<Document> Fix(Document document, ExpressionStatementSyntax statement, ExpressionSyntax value, CancellationToken ct)
    {
        var root = await document.GetSyntaxRootAsync(ct).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(ct).ConfigureAwait(false);
        if (root is null || model is null) return document;
        string name = "result";
        for (int i = 2; model.LookupSymbols(statement.SpanStart, name: name).Any() || statement.Parent!.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(v => v.Identifier.ValueText == name); i++)
            name = "result" + i;

        var declare = LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"))
                .WithVariables(SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value.WithoutTrivia())))))
            .WithLeadingTrivia(statement.GetLeadingTrivia());
        var check = ParseStatement($"if (!{name}.IsOk) return {name}.Error;").WithTrailingTrivia(statement.GetTrailingTrivia());
        SyntaxNode newRoot;
        if (statement.Parent is BlockSyntax or SwitchSectionSyntax)
            newRoot = root.ReplaceNode(statement, new SyntaxNode[] { declare.WithTrailingTrivia(statement.GetTrailingTrivia()), check.WithLeadingTrivia(statement.GetLeadingTrivia()) });
        else
            newRoot = root.ReplaceNode(statement, Block(declare, check.WithoutTrailingTrivia()).WithTrailingTrivia(statement.GetTrailingTrivia()).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation));
        return document.WithSyntaxRoot(newRoot);
    }
}
