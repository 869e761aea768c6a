using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK007: a method clears translation entries (page-table entries, context/device-table entries, TCEs) and a path
/// from the clear reaches a <c>return</c> (or the end of the method) with no invalidation on it. Flow-sensitive over
/// the method's control-flow graph: "may reach the exit still pending". Paths that end in an exception are not
/// counted; a <c>finally</c> that invalidates covers every path through it.
/// <para>
/// A clear is a call whose name says so (<c>ClearPte</c>, <c>ClearTce</c>, <c>ClearContextEntry</c>...) or a write of
/// zero (<c>TryWriteLe/Be(addr, 8, 0)</c>, <c>TryWrite(addr, new byte[n])</c>) to the model's memory. An invalidation is
/// a call whose name says so (<c>Invalidate*</c>, <c>Flush*</c>, <c>*TceKill*</c>...) or a call to a method of the
/// same compilation whose body makes one. Methods that are themselves clear primitives are not checked: their
/// callers are.
/// </para>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnmapWithoutInvalidationAnalyzer : DiagnosticAnalyzer
{
    public const string ClearNamesKey = "conformance_clear_methods";
    public const string InvalidateNamesKey = "conformance_invalidate_methods";

    private static readonly ImmutableArray<string> DefaultClearPrefixes = ImmutableArray.Create("Clear", "Zap", "Unset", "Zero");
    private static readonly ImmutableArray<string> EntryWords = ImmutableArray.Create("Pte", "Tce", "Entry", "Entries", "Dte", "Context", "Slpt", "Flpt", "Irte", "Pasid");
    private static readonly ImmutableArray<string> DefaultInvalidateWords = ImmutableArray.Create("Invalidat", "Inval", "Flush", "Kill", "Shootdown");
    private const string MemoryType = "Conformance.Reference.Memory.PhysicalMemory";
    private const string HostMemoryType = "Conformance.Adapters.Platform.IHostMemory";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.UnmapWithoutInvalidation);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var extraClear = PolicyOptions.GetList(start.Options, null, ClearNamesKey, ImmutableArray<string>.Empty);
            var inval = PolicyOptions.GetList(start.Options, null, InvalidateNamesKey, DefaultInvalidateWords);
            var names = new Names(extraClear, inval);
            start.RegisterOperationAction(c => AnalyzeBody(c, names), OperationKind.MethodBody);
        });
    }

    private sealed class Names(ImmutableArray<string> extraClear, ImmutableArray<string> invalidate)
    {
        public bool IsClearName(string name) =>
            extraClear.Contains(name) ||
            (DefaultClearPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && EntryWords.Any(w => name.IndexOf(w, StringComparison.Ordinal) >= 0));

        public bool IsInvalidateName(string name) => invalidate.Any(w => name.IndexOf(w, StringComparison.OrdinalIgnoreCase) >= 0);
    }

    private static void AnalyzeBody(OperationAnalysisContext c, Names names)
    {
        if (c.Operation is not IMethodBodyOperation body || c.ContainingSymbol is not IMethodSymbol method) return;
        if (!body.Descendants().Any(o => IsClear(o, names))) return;
        var cfg = ControlFlowGraph.Create(body, c.CancellationToken);
        Check(c, cfg, method, names);
    }

    private static void Check(OperationAnalysisContext c, ControlFlowGraph cfg, IMethodSymbol method, Names names)
    {
        if (!names.IsClearName(method.Name) && !names.IsInvalidateName(method.Name))
        {
            var pending = Analyze(cfg, names, c.CancellationToken);
            foreach (var clear in pending.OrderBy(o => o.Syntax.SpanStart))
                c.ReportDiagnostic(Diagnostic.Create(Descriptors.UnmapWithoutInvalidation, clear.Syntax.GetLocation(), Describe(clear), method.Name));
        }
        // local functions have graphs of their own
        foreach (var local in cfg.LocalFunctions)
            Check(c, cfg.GetLocalFunctionControlFlowGraph(local, c.CancellationToken), local, names);
    }

    /// <summary>Forward may-analysis: the set of clears not yet followed by an invalidation, per block.</summary>
    private static HashSet<IOperation> Analyze(ControlFlowGraph cfg, Names names, System.Threading.CancellationToken ct)
    {
        var blocks = cfg.Blocks;
        var inSets = new HashSet<IOperation>[blocks.Length];
        var effects = new List<(bool Clear, IOperation Op)>[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
        {
            inSets[i] = new HashSet<IOperation>();
            var ops = blocks[i].Operations.AsEnumerable();
            if (blocks[i].BranchValue is { } bv) ops = ops.Append(bv);
            effects[i] = ops.SelectMany(o => o.DescendantsAndSelf())
                .Where(o => o is IInvocationOperation)
                .Select(o => (Clear: IsClear(o, names), Op: o))
                .Where(e => e.Clear || Invalidates((IInvocationOperation)e.Op, names, ct))
                .OrderBy(e => e.Op.Syntax.SpanStart)
                .ToList();
        }

        var work = new Queue<int>(Enumerable.Range(0, blocks.Length));
        var queued = new HashSet<int>(work);
        while (work.Count > 0)
        {
            int i = work.Dequeue(); queued.Remove(i);
            var state = new HashSet<IOperation>(inSets[i]);
            foreach (var (clear, op) in effects[i])
            {
                if (clear) state.Add(op); else state.Clear();
            }
            foreach (var branch in new[] { blocks[i].FallThroughSuccessor, blocks[i].ConditionalSuccessor })
            {
                if (branch?.Destination is not { } dest) continue;
                // leaving a try through a finally that invalidates
                var carried = branch.FinallyRegions.Any(r => RegionInvalidates(r, blocks, effects)) ? new HashSet<IOperation>() : state;
                int before = inSets[dest.Ordinal].Count;
                inSets[dest.Ordinal].UnionWith(carried);
                if (inSets[dest.Ordinal].Count != before && queued.Add(dest.Ordinal)) work.Enqueue(dest.Ordinal);
            }
        }
        return inSets[blocks.Length - 1];
    }

    private static bool RegionInvalidates(ControlFlowRegion region, ImmutableArray<BasicBlock> blocks, List<(bool Clear, IOperation Op)>[] effects)
    {
        for (int b = region.FirstBlockOrdinal; b <= region.LastBlockOrdinal; b++)
            if (effects[b].Any(e => !e.Clear)) return true;
        return false;
    }

    private static bool IsClear(IOperation op, Names names)
    {
        if (op is not IInvocationOperation inv) return false;
        var m = inv.TargetMethod;
        if (names.IsClearName(m.Name)) return true;
        if (!(m.ContainingType.IsType(MemoryType) || m.ContainingType.IsOrImplements(HostMemoryType))) return false;
        switch (m.Name)
        {
            case "TryWriteLe" or "TryWriteBe" when inv.Arguments.Length == 3:
                return inv.Arguments[1].Value.TryGetUInt64(out var width) && width == 8 &&
                       inv.Arguments[2].Value.TryGetUInt64(out var v) && v == 0;
            case "TryWrite" when inv.Arguments.Length == 2:
                var src = inv.Arguments[1].Value;
                while (src is IConversionOperation conv) src = conv.Operand;
                if (src is ILocalReferenceOperation local)
                {
                    // Span<byte> zero = stackalloc byte[16]; memory.TryWrite(entry, zero);
                    return local.Local.DeclaringSyntaxReferences.Length == 1 &&
                           local.Local.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: var init } &&
                           IsZeroBuffer(init);
                }
                return IsZeroBuffer(src.Syntax);
            default:
                return false;
        }
    }

    /// <summary>A fresh zero buffer of entry size (at most 64 bytes: VT-d/AMD-Vi entries are 8-32 bytes); a zeroed page is not an entry.</summary>
    private static bool IsZeroBuffer(SyntaxNode node)
    {
        var type = node switch
        {
            StackAllocArrayCreationExpressionSyntax { Initializer: null } s => s.Type as ArrayTypeSyntax,
            ArrayCreationExpressionSyntax { Initializer: null } a => a.Type,
            _ => null,
        };
        var size = type?.RankSpecifiers.FirstOrDefault()?.Sizes.FirstOrDefault();
        return size is LiteralExpressionSyntax { Token.Value: int n } && n <= 64;
    }

    private static bool Invalidates(IInvocationOperation inv, Names names, System.Threading.CancellationToken ct)
    {
        var m = inv.TargetMethod;
        if (names.IsInvalidateName(m.Name)) return true;
        // one level down: a helper of this compilation (Commit(), Unmap()) whose body issues the invalidation
        foreach (var r in m.OriginalDefinition.DeclaringSyntaxReferences)
        {
            if (r.GetSyntax(ct) is not { } decl) continue;
            foreach (var call in decl.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                var name = call.Expression switch
                {
                    MemberAccessExpressionSyntax ma => ma.Name.Identifier.ValueText,
                    IdentifierNameSyntax id => id.Identifier.ValueText,
                    GenericNameSyntax g => g.Identifier.ValueText,
                    _ => null,
                };
                if (name is not null && names.IsInvalidateName(name)) return true;
            }
        }
        return false;
    }

    private static string Describe(IOperation op) => op is IInvocationOperation inv ? inv.TargetMethod.Name : op.Syntax.ToString();
}
