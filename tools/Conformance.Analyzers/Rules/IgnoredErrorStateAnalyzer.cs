using System;
using System.Collections.Immutable;
using System.Linq;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK005: error state that is never looked at. Hardware and firmware answer errors with values, not exceptions:
/// <list type="bullet">
/// <item>a contract result (<c>Result</c>, <c>Result&lt;T&gt;</c>), a firmware return code (<c>OpalResult</c>) or a table
/// write's <c>bool</c> (<c>IHostMemory.TryWrite*</c>) discarded, or stored and never checked;</item>
/// <item>an MMIO or config-space read (<c>ICpuMmio.Read</c>, <c>IPciConfig.Read</c>) that decides something in a method
/// that never compares anything with all-ones (a master abort, a frozen PE: POWER EEH, facts "errors").</item>
/// </list>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredErrorStateAnalyzer : DiagnosticAnalyzer
{
    public const string MustCheckTypesKey = "conformance_must_check_types";
    public const string KindProperty = "Kind";
    public const string DiscardedKind = "Discarded";

    public static readonly ImmutableArray<string> DefaultMustCheckTypes = ImmutableArray.Create(
        "Conformance.Adapters.Result", "Conformance.Reference.Power.OpalResult");
    private static readonly ImmutableArray<string> TryMemoryTypes = ImmutableArray.Create(
        "Conformance.Adapters.Platform.IHostMemory", "Conformance.Reference.Memory.PhysicalMemory");
    private static readonly ImmutableArray<string> ReadTypes = ImmutableArray.Create(
        "Conformance.Adapters.Platform.ICpuMmio", "Conformance.Adapters.Platform.IPciConfig");
    private static readonly ImmutableHashSet<string> CheckMembers = ImmutableHashSet.Create(StringComparer.Ordinal,
        "IsOk", "ErrorKind", "Error", "IsSuccess", "Rc", "Code", "AsResult");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.IgnoredErrorState);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var types = PolicyOptions.GetList(start.Options, null, MustCheckTypesKey, DefaultMustCheckTypes).ToImmutableHashSet(StringComparer.Ordinal);
            start.RegisterOperationAction(c => AnalyzeDiscard(c, types), OperationKind.ExpressionStatement, OperationKind.SimpleAssignment);
            start.RegisterOperationAction(c => AnalyzeLocal(c, types), OperationKind.VariableDeclarator);
            start.RegisterOperationAction(AnalyzeRead, OperationKind.Invocation);
        });
    }

    private static ITypeSymbol? ResultType(ITypeSymbol? t)
    {
        // ValueTask<Result>, Task<Result<T>>: the result inside
        if (t is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } n &&
            n.Name is "ValueTask" or "Task" && n.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
            return n.TypeArguments[0];
        return t;
    }

    /// <summary>
    /// The call whose result this is, through <c>await</c>, conversions and the task plumbing that only passes the
    /// result on: <c>x.ConfigureAwait(bool)</c>, <c>x.AsTask()</c>, <c>x.Preserve()</c>, <c>x.GetAwaiter().GetResult()</c>
    /// on a <c>Task</c>/<c>ValueTask</c> (or its configured awaitable). <c>await x.ConfigureAwait(false)</c> awaits a
    /// <c>ConfiguredValueTaskAwaitable&lt;Result&gt;</c>; the result dropped is still <c>x</c>'s.
    /// </summary>
    private static IOperation? Unwrap(IOperation? value)
    {
        while (true)
        {
            switch (value)
            {
                case IAwaitOperation aw: value = aw.Operation; break;
                case IConversionOperation conv: value = conv.Operand; break;
                case IInvocationOperation { Instance: { } instance, TargetMethod.Name: "ConfigureAwait" or "AsTask" or "Preserve" or "GetAwaiter" or "GetResult" } pass
                    when IsTaskPlumbing(pass.TargetMethod.ContainingType):
                    value = instance; break;
                default: return value;
            }
        }
    }

    private static bool IsTaskPlumbing(INamedTypeSymbol? t) =>
        t is not null && t.ContainingNamespace?.ToDisplayString() is "System.Threading.Tasks" or "System.Runtime.CompilerServices" &&
        t.Name is "Task" or "ValueTask" or "ConfiguredTaskAwaitable" or "ConfiguredValueTaskAwaitable" or "TaskAwaiter" or "ValueTaskAwaiter" or "ConfiguredTaskAwaiter" or "ConfiguredValueTaskAwaiter";

    private static bool IsMustCheck(ITypeSymbol? t, ImmutableHashSet<string> types) =>
        ResultType(t) is { } r && types.Contains(r.FullTypeName());

    private static bool IsTryWrite(IInvocationOperation inv) =>
        inv.TargetMethod.Name.StartsWith("TryWrite", StringComparison.Ordinal) &&
        TryMemoryTypes.Any(t => inv.TargetMethod.ContainingType.IsType(t) || inv.TargetMethod.ContainingType.IsOrImplements(t));

    private static void AnalyzeDiscard(OperationAnalysisContext c, ImmutableHashSet<string> types)
    {
        IOperation? value = c.Operation switch
        {
            IExpressionStatementOperation s => s.Operation,
            ISimpleAssignmentOperation { Target: IDiscardOperation } a => a.Value,
            _ => null,
        };
        if (value is null || (c.Operation is ISimpleAssignmentOperation && c.Operation.Parent is not IExpressionStatementOperation)) return;
        if (c.Operation is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { Target: IDiscardOperation } }) return; // reported for the assignment
        if (Unwrap(value) is not IInvocationOperation inv) return;
        string? what = null;
        if (IsMustCheck(inv.TargetMethod.ReturnType, types))
            what = $"The {ResultType(inv.TargetMethod.ReturnType)!.Name} of '{inv.TargetMethod.Name}' is discarded; check it (IsOk / the return code) and act on the error";
        else if (IsTryWrite(inv))
            what = $"'{inv.TargetMethod.Name}' answers false when the table write did not happen (address not backed); the result is discarded";
        if (what is null) return;
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.IgnoredErrorState, c.Operation.Syntax.GetLocation(),
            ImmutableDictionary<string, string?>.Empty.Add(KindProperty, DiscardedKind), what));
    }

    private static void AnalyzeLocal(OperationAnalysisContext c, ImmutableHashSet<string> types)
    {
        var d = (IVariableDeclaratorOperation)c.Operation;
        var init = d.Initializer?.Value ?? (d.Parent as IVariableDeclarationOperation)?.Initializer?.Value;
        if (init is null) return;
        if (Unwrap(init) is not IInvocationOperation inv || !IsMustCheck(d.Symbol.Type, types)) return;
        var scope = d.Syntax.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax);
        if (scope is null) return;
        var model = d.SemanticModel!;
        foreach (var id in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (id.Identifier.ValueText != d.Symbol.Name) continue;
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(id, c.CancellationToken).Symbol, d.Symbol)) continue;
            // r.Value alone throws on an error: that is not a check. Anything else (r.IsOk, return r, f(r), r is {...}) is.
            if (id.Parent is MemberAccessExpressionSyntax ma && ma.Expression == id && !CheckMembers.Contains(ma.Name.Identifier.ValueText)) continue;
            return;
        }
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.IgnoredErrorState, d.Syntax.GetLocation(),
            $"'{d.Symbol.Name}' holds the result of '{inv.TargetMethod.Name}' and is never checked (IsOk / the return code)"));
    }

    private static void AnalyzeRead(OperationAnalysisContext c)
    {
        var inv = (IInvocationOperation)c.Operation;
        if (inv.TargetMethod.Name != "Read" || !ReadTypes.Any(t => inv.TargetMethod.ContainingType.IsOrImplements(t))) return;
        if (!DecidesSomething(inv, out var via)) return;
        var scope = inv.Syntax.Ancestors().FirstOrDefault(n => n is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax);
        if (scope is null || ChecksAllOnes(scope, inv.SemanticModel!, c.CancellationToken)) return;
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.IgnoredErrorState, inv.Syntax.GetLocation(),
            $"The value of '{inv.TargetMethod.ContainingType.Name}.Read' decides {via} but is never compared with all-ones (a master abort or a frozen PE reads all-ones)"));
    }

    /// <summary>The read (or the local it initializes) is used in a condition, comparison, bit test, switch or pattern.</summary>
    private static bool DecidesSomething(IInvocationOperation inv, out string via)
    {
        via = "a branch";
        if (InDecision(inv.Syntax)) return true;
        if (inv.Parent is IConversionOperation { Parent: IVariableInitializerOperation { Parent: IVariableDeclaratorOperation d } } ||
            inv.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation } )
        {
            var decl = inv.Parent is IVariableInitializerOperation vi ? (IVariableDeclaratorOperation)vi.Parent! : (IVariableDeclaratorOperation)inv.Parent.Parent!.Parent!;
            var scope = decl.Syntax.Ancestors().FirstOrDefault(n => n is BlockSyntax);
            if (scope is null) return false;
            foreach (var id in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
                if (id.Identifier.ValueText == decl.Symbol.Name && InDecision(id)) { via = $"a branch (through '{decl.Symbol.Name}')"; return true; }
        }
        return false;
    }

    private static bool InDecision(SyntaxNode node)
    {
        // read == expected: all-ones matches no expected value, so it falls on the mismatch (error) side; not flagged.
        var up = node.Parent;
        while (up is CastExpressionSyntax or ParenthesizedExpressionSyntax) up = up.Parent;
        if (up is BinaryExpressionSyntax eq && (eq.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.EqualsExpression) || eq.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.NotEqualsExpression)))
            return false;
        for (var n = node.Parent; n is not null; n = n.Parent)
        {
            switch (n)
            {
                case BinaryExpressionSyntax b when b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.EqualsExpression) || b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.NotEqualsExpression) ||
                    b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LessThanExpression) || b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.GreaterThanExpression) ||
                    b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LessThanOrEqualExpression) || b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.GreaterThanOrEqualExpression):
                case IsPatternExpressionSyntax:
                case SwitchExpressionSyntax:
                case SwitchStatementSyntax:
                    return true;
                case IfStatementSyntax or WhileStatementSyntax or DoStatementSyntax or ConditionalExpressionSyntax:
                    return true;
                case StatementSyntax or ArgumentSyntax or EqualsValueClauseSyntax or ArrowExpressionClauseSyntax:
                    return false;
            }
        }
        return false;
    }

    private static bool ChecksAllOnes(SyntaxNode scope, SemanticModel model, System.Threading.CancellationToken ct)
    {
        foreach (var n in scope.DescendantNodes())
        {
            if (n is IdentifierNameSyntax id && id.Identifier.ValueText.IndexOf("AllOnes", StringComparison.OrdinalIgnoreCase) >= 0) return true;
            if (n is BinaryExpressionSyntax b && (b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.EqualsExpression) || b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.NotEqualsExpression)))
            {
                foreach (var side in new[] { b.Left, b.Right })
                {
                    var cv = model.GetConstantValue(side, ct);
                    if (cv.HasValue && cv.Value is { } v && IsAllOnes(v)) return true;
                }
            }
            if (n is ConstantPatternSyntax cp && model.GetConstantValue(cp.Expression, ct) is { HasValue: true, Value: { } pv } && IsAllOnes(pv)) return true;
        }
        return false;
    }

    private static bool IsAllOnes(object v) => v switch
    {
        byte b => b == byte.MaxValue,
        ushort us => us == ushort.MaxValue,
        uint u => u == uint.MaxValue,
        ulong ul => ul == ulong.MaxValue,
        int i => i is -1 or 0xFF or 0xFFFF,
        long l => l is -1 or 0xFFFF_FFFF,
        _ => false,
    };
}
