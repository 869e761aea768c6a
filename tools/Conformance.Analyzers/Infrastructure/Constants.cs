using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Conformance.Analyzers.Infrastructure;

internal static class Constants
{
    public static bool TryGetUInt64(this IOperation op, out ulong value)
    {
        value = 0;
        if (!op.ConstantValue.HasValue) return false;
        switch (op.ConstantValue.Value)
        {
            case int i when i >= 0: value = (ulong)i; return true;
            case long l when l >= 0: value = (ulong)l; return true;
            case uint u: value = u; return true;
            case ulong ul: value = ul; return true;
            case short s when s >= 0: value = (ulong)s; return true;
            case ushort us: value = us; return true;
            case byte b: value = b; return true;
            default: return false;
        }
    }

    /// <summary>
    /// The words a reader would use for what an expression is about: identifiers in the expression's statement (for
    /// an <c>if</c>/<c>while</c>, its condition; for an initializer, the declared name as well).
    /// </summary>
    public static IReadOnlyList<string> ContextWords(SyntaxNode node)
    {
        SyntaxNode? scope = node;
        var words = new List<string>();
        for (var n = node.Parent; n is not null; n = n.Parent)
        {
            switch (n)
            {
                case VariableDeclaratorSyntax v: words.Add(v.Identifier.ValueText); scope = n; goto done;
                case PropertyDeclarationSyntax p: words.Add(p.Identifier.ValueText); scope = (SyntaxNode?)p.Initializer ?? p.ExpressionBody ?? node; goto done;
                case MethodDeclarationSyntax m: words.Add(m.Identifier.ValueText); goto done;
                case ParameterSyntax prm: words.Add(prm.Identifier.ValueText); scope = n; goto done;
                case IfStatementSyntax i: scope = i.Condition; goto done;
                case WhileStatementSyntax w: scope = w.Condition; goto done;
                case ForStatementSyntax f: scope = f.Condition ?? node; goto done;
                case ArrowExpressionClauseSyntax arrow:
                    if (arrow.Parent is PropertyDeclarationSyntax ap) words.Add(ap.Identifier.ValueText);
                    else if (arrow.Parent is MethodDeclarationSyntax am) words.Add(am.Identifier.ValueText);
                    else if (arrow.Parent is LocalFunctionStatementSyntax al) words.Add(al.Identifier.ValueText);
                    scope = n; goto done;
                case ExpressionStatementSyntax or ReturnStatementSyntax or YieldStatementSyntax or ThrowStatementSyntax:
                    scope = n; goto done;
                case SwitchExpressionArmSyntax arm: scope = arm; goto done;
                case StatementSyntax: goto done;
            }
        }
        done:
        if (scope is not null)
        {
            foreach (var t in scope.DescendantNodesAndSelf())
            {
                if (t is IdentifierNameSyntax id) words.Add(id.Identifier.ValueText);
                else if (t is VariableDeclaratorSyntax vd) words.Add(vd.Identifier.ValueText);
            }
        }
        return words;
    }

    public static bool AnyWordContains(IEnumerable<string> words, IEnumerable<string> fragments) =>
        words.Any(w => fragments.Any(f => w.IndexOf(f, StringComparison.OrdinalIgnoreCase) >= 0));
}
