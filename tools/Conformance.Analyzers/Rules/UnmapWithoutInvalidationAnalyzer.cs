using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
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
/// A clear is:
/// <list type="bullet">
/// <item>a call whose name says so (<c>ClearPte</c>, <c>ClearTce</c>, <c>ClearContextEntry</c>, <c>ClearLeaves</c>...);</item>
/// <item>a write of zero to an entry through the model's or the platform's memory (<c>TryWriteLe/Be(addr, 8, 0)</c>,
/// <c>TryWrite(addr, new byte[n])</c>, n &lt;= 64);</item>
/// <item>one call deep, a call of a method of the same compilation that does that: a zero passed to a parameter the
/// helper writes as an entry's value (<c>Store(leaf, 0)</c> where <c>Store</c> is <c>TryWriteLe(address, 8, value)</c>),
/// or a helper whose body writes a zero entry or calls a clear and makes no invalidation.</item>
/// </list>
/// A non-zero write to the same entry (the same address, or it plus an offset inside the entry) after a clear makes
/// it a programming of that entry, not a clear (VT-d's "clear the upper qword, then write the lower with P").
/// An invalidation is a call whose name says so (<c>Invalidate*</c>, <c>Flush*</c>, <c>*TceKill*</c>...) or a call to a
/// method of the same compilation whose body makes one.
/// </para>
/// <para>
/// Batched invalidation: when a clear is followed, on every path from it, by an <c>Add</c> to a local collection
/// (<c>flush.Add(range)</c>), a branch that finds that collection empty (<c>flush.Count &gt; 0</c> false) cannot
/// carry the clear: the clears and the batch go together (the IOMMU gather idiom).
/// </para>
/// Methods that are themselves clear primitives (named like a clear, or private helpers that are clears to their
/// callers) are not checked: their callers are.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnmapWithoutInvalidationAnalyzer : DiagnosticAnalyzer
{
    public const string ClearNamesKey = "conformance_clear_methods";
    public const string InvalidateNamesKey = "conformance_invalidate_methods";

    private static readonly ImmutableArray<string> DefaultClearPrefixes = ImmutableArray.Create("Clear", "Zap", "Unset", "Zero");
    private static readonly ImmutableArray<string> EntryWords = ImmutableArray.Create("Pte", "Tce", "Entry", "Entries", "Dte", "Context", "Slpt", "Flpt", "Irte", "Pasid", "Leaf", "Leaves");
    private static readonly ImmutableArray<string> DefaultInvalidateWords = ImmutableArray.Create("Invalidat", "Inval", "Flush", "Kill", "Shootdown");
    private static readonly ImmutableHashSet<string> BatchAddNames = ImmutableHashSet.Create(StringComparer.Ordinal, "Add", "AddRange", "Enqueue", "Push", "Insert");
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
            var rules = new Rules(new Names(extraClear, inval));
            start.RegisterOperationAction(c => AnalyzeBody(c, rules), OperationKind.MethodBody);
        });
    }

    private sealed class Names(ImmutableArray<string> extraClear, ImmutableArray<string> invalidate)
    {
        public bool IsClearName(string name) =>
            extraClear.Contains(name) ||
            (DefaultClearPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && EntryWords.Any(w => name.IndexOf(w, StringComparison.Ordinal) >= 0));

        public bool IsInvalidateName(string name) => invalidate.Any(w => name.IndexOf(w, StringComparison.OrdinalIgnoreCase) >= 0);
    }

    private enum EffectKind { Clear, Program, Invalidate, BatchAdd }

    /// <summary>What one call does to the pending clears. <see cref="Key"/>: the entry written (Clear, Program), or the
    /// batch collection (BatchAdd).</summary>
    private readonly struct Effect(EffectKind kind, IOperation op, string? key, ILocalSymbol? batch = null)
    {
        public EffectKind Kind { get; } = kind;
        public IOperation Op { get; } = op;
        public string? Key { get; } = key;
        public ILocalSymbol? Batch { get; } = batch;
    }

    /// <summary>A helper of the compilation, read from its declaration (syntax only, one level: no semantic model of
    /// another tree is built).</summary>
    private sealed class Helper
    {
        /// <summary>Its body makes an invalidation (by name).</summary>
        public bool Invalidates;
        /// <summary>Its body writes a zero entry (not rewritten after) or calls a clear, and makes no invalidation.</summary>
        public bool Clears;
        /// <summary>(value parameter, address parameter or -1): the helper writes the value parameter as an 8-byte entry.</summary>
        public readonly List<(int Value, int Address)> EntryWrites = new();
    }

    private sealed class Rules(Names names)
    {
        public readonly Names Names = names;
        private readonly ConcurrentDictionary<IMethodSymbol, Helper?> _helpers = new(SymbolEqualityComparer.Default);

        /// <summary>The helper summary of a source method of this compilation (not a local function); null otherwise.</summary>
        public Helper? HelperOf(IMethodSymbol m, CancellationToken ct)
        {
            var d = m.OriginalDefinition;
            if (d.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction || d.DeclaringSyntaxReferences.IsEmpty) return null;
            return _helpers.GetOrAdd(d, x => Summarize(x, Names, ct));
        }
    }

    private static Helper? Summarize(IMethodSymbol m, Names names, CancellationToken ct)
    {
        var helper = new Helper();
        var parameters = m.Parameters.Select(p => p.Name).ToList();
        var pending = new List<string?>();
        foreach (var r in m.DeclaringSyntaxReferences)
        {
            if (r.GetSyntax(ct) is not { } decl) continue;
            foreach (var call in decl.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                var name = CalledName(call);
                if (name is null) continue;
                if (names.IsInvalidateName(name)) { helper.Invalidates = true; continue; }
                if (names.IsClearName(name)) { pending.Add(null); continue; }
                var args = call.ArgumentList.Arguments;
                if (name is "TryWriteLe" or "TryWriteBe" && args.Count == 3 && IsLiteral(args[1].Expression, 8))
                {
                    string key = AddressKey(args[0].Expression);
                    if (IsLiteral(args[2].Expression, 0)) pending.Add(key);
                    else
                    {
                        pending.RemoveAll(k => k == key);
                        if (args[2].Expression is IdentifierNameSyntax v && parameters.IndexOf(v.Identifier.ValueText) is var vi and >= 0)
                            helper.EntryWrites.Add((vi, args[0].Expression is IdentifierNameSyntax a ? parameters.IndexOf(a.Identifier.ValueText) : -1));
                    }
                }
                else if (name == "TryWrite" && args.Count == 2 && IsZeroBuffer(args[1].Expression))
                    pending.Add(AddressKey(args[0].Expression));
            }
        }
        helper.Clears = pending.Count > 0 && !helper.Invalidates;
        return helper;
    }

    private static string? CalledName(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax ma => ma.Name.Identifier.ValueText,
        IdentifierNameSyntax id => id.Identifier.ValueText,
        GenericNameSyntax g => g.Identifier.ValueText,
        _ => null,
    };

    private static bool IsLiteral(ExpressionSyntax e, ulong value)
    {
        while (e is ParenthesizedExpressionSyntax p) e = p.Expression;
        if (e is CastExpressionSyntax cast) return IsLiteral(cast.Expression, value);
        return e is LiteralExpressionSyntax { Token.Value: var v } && v switch
        {
            int i => i >= 0 && (ulong)i == value,
            uint u => u == value,
            long l => l >= 0 && (ulong)l == value,
            ulong ul => ul == value,
            _ => false,
        };
    }

    /// <summary>The entry an address names: its text without blanks, parentheses and a final small constant offset
    /// (<c>entry + 8</c> is the upper qword of <c>entry</c>'s entry).</summary>
    private static string AddressKey(ExpressionSyntax e)
    {
        while (true)
        {
            if (e is ParenthesizedExpressionSyntax p) { e = p.Expression; continue; }
            if (e is BinaryExpressionSyntax b && b.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.AddExpression) &&
                b.Right is LiteralExpressionSyntax { Token.Value: int n } && n is > 0 and < 64)
            { e = b.Left; continue; }
            break;
        }
        return new string(e.ToString().Where(ch => !char.IsWhiteSpace(ch)).ToArray());
    }

    private static void AnalyzeBody(OperationAnalysisContext c, Rules rules)
    {
        if (c.Operation is not IMethodBodyOperation body || c.ContainingSymbol is not IMethodSymbol method) return;
        if (!body.Descendants().Any(o => o is IInvocationOperation inv && Classify(inv, rules, c.CancellationToken) is { Kind: EffectKind.Clear })) return;
        // a primitive is not checked; only its local functions would be, and they need the graph
        if (IsPrimitive(method, rules, c.CancellationToken) && !body.Descendants().Any(o => o is ILocalFunctionOperation)) return;
        var cfg = ControlFlowGraph.Create(body, c.CancellationToken);
        Check(c, cfg, method, rules);
    }

    private static bool IsPrimitive(IMethodSymbol method, Rules rules, CancellationToken ct) =>
        rules.Names.IsClearName(method.Name) || rules.Names.IsInvalidateName(method.Name) ||
        (method.DeclaredAccessibility == Accessibility.Private && method.MethodKind == MethodKind.Ordinary && rules.HelperOf(method, ct) is { Clears: true });

    private static void Check(OperationAnalysisContext c, ControlFlowGraph cfg, IMethodSymbol method, Rules rules)
    {
        if (!IsPrimitive(method, rules, c.CancellationToken))
        {
            var pending = Analyze(cfg, rules, c.CancellationToken);
            foreach (var clear in pending.OrderBy(o => o.Syntax.SpanStart))
                c.ReportDiagnostic(Diagnostic.Create(Descriptors.UnmapWithoutInvalidation, clear.Syntax.GetLocation(), Describe(clear), method.Name));
        }
        // local functions have graphs of their own
        foreach (var local in cfg.LocalFunctions)
            Check(c, cfg.GetLocalFunctionControlFlowGraph(local, c.CancellationToken), local, rules);
    }

    /// <summary>Pending clears: each with the batch collections added to on every path since it.</summary>
    private sealed class State
    {
        public readonly Dictionary<IOperation, ImmutableHashSet<ILocalSymbol>> Pending = new();

        public State Copy()
        {
            var s = new State();
            foreach (var kv in Pending) s.Pending[kv.Key] = kv.Value;
            return s;
        }

        /// <summary>Joins <paramref name="other"/> in (may-pending, must-batched); true when this changed.</summary>
        public bool Join(State other)
        {
            bool changed = false;
            foreach (var kv in other.Pending)
            {
                if (!Pending.TryGetValue(kv.Key, out var mine)) { Pending[kv.Key] = kv.Value; changed = true; continue; }
                var both = mine.Intersect(kv.Value);
                if (both.Count != mine.Count) { Pending[kv.Key] = both; changed = true; }
            }
            return changed;
        }
    }

    /// <summary>Forward may-analysis: the clears not yet followed by an invalidation, per block.</summary>
    private static IEnumerable<IOperation> Analyze(ControlFlowGraph cfg, Rules rules, CancellationToken ct)
    {
        var blocks = cfg.Blocks;
        var inStates = new State?[blocks.Length];
        var effects = new List<Effect>[blocks.Length];
        var keys = new Dictionary<IOperation, string?>();
        for (int i = 0; i < blocks.Length; i++)
        {
            var ops = blocks[i].Operations.AsEnumerable();
            if (blocks[i].BranchValue is { } bv) ops = ops.Append(bv);
            effects[i] = ops.SelectMany(o => o.DescendantsAndSelf())
                .OfType<IInvocationOperation>()
                .Select(o => Classify(o, rules, ct))
                .Where(e => e is not null)
                .Select(e => e!.Value)
                .OrderBy(e => e.Op.Syntax.SpanStart)
                .ToList();
            foreach (var e in effects[i]) if (e.Kind == EffectKind.Clear) keys[e.Op] = e.Key;
        }
        var regionInvalidates = new Dictionary<ControlFlowRegion, bool>();

        inStates[0] = new State();
        var work = new Queue<int>();
        work.Enqueue(0);
        var queued = new HashSet<int> { 0 };
        while (work.Count > 0)
        {
            int i = work.Dequeue(); queued.Remove(i);
            var state = inStates[i]!.Copy();
            foreach (var e in effects[i])
            {
                switch (e.Kind)
                {
                    case EffectKind.Clear: state.Pending[e.Op] = ImmutableHashSet<ILocalSymbol>.Empty.WithComparer(SymbolEqualityComparer.Default); break;
                    case EffectKind.Invalidate: state.Pending.Clear(); break;
                    case EffectKind.Program:
                        foreach (var op in state.Pending.Keys.Where(k => keys[k] is { } key && key == e.Key).ToList()) state.Pending.Remove(op);
                        break;
                    case EffectKind.BatchAdd:
                        foreach (var op in state.Pending.Keys.ToList()) state.Pending[op] = state.Pending[op].Add(e.Batch!);
                        break;
                }
            }
            var emptyTest = blocks[i].BranchValue is { } cond ? EmptinessTest(cond) : null;
            foreach (var branch in new[] { blocks[i].FallThroughSuccessor, blocks[i].ConditionalSuccessor })
            {
                if (branch?.Destination is not { } dest) continue;
                var carried = state;
                // leaving a try through a finally that invalidates
                if (branch.FinallyRegions.Any(r => RegionInvalidates(r, effects, regionInvalidates))) carried = new State();
                else if (emptyTest is { } t && blocks[i].ConditionKind != ControlFlowConditionKind.None)
                {
                    // the branch value on this edge: the conditional successor is taken when it equals ConditionKind
                    bool value = branch == blocks[i].ConditionalSuccessor
                        ? blocks[i].ConditionKind == ControlFlowConditionKind.WhenTrue
                        : blocks[i].ConditionKind == ControlFlowConditionKind.WhenFalse;
                    if (value == t.EmptyWhen)
                    {
                        carried = state.Copy();
                        foreach (var op in carried.Pending.Where(kv => kv.Value.Contains(t.Batch)).Select(kv => kv.Key).ToList()) carried.Pending.Remove(op);
                    }
                }
                bool changed;
                if (inStates[dest.Ordinal] is null) { inStates[dest.Ordinal] = carried.Copy(); changed = true; }
                else changed = inStates[dest.Ordinal]!.Join(carried);
                if (changed && queued.Add(dest.Ordinal)) work.Enqueue(dest.Ordinal);
            }
        }
        return inStates[blocks.Length - 1]?.Pending.Keys ?? Enumerable.Empty<IOperation>();
    }

    /// <summary><c>batch.Count &gt; 0</c>, <c>batch.Count != 0</c>, <c>batch.Length &gt; 0</c>, <c>batch.Any()</c>
    /// (empty when false); <c>batch.Count == 0</c>, <c>!batch.Any()</c> (empty when true).</summary>
    private static (ILocalSymbol Batch, bool EmptyWhen)? EmptinessTest(IOperation cond)
    {
        while (cond is IConversionOperation conv) cond = conv.Operand;
        if (cond is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
            return EmptinessTest(not.Operand) is { } inner ? (inner.Batch, !inner.EmptyWhen) : null;
        if (cond is IInvocationOperation { TargetMethod.Name: "Any", Arguments.Length: 1 } any &&
            any.Arguments[0].Value is var src && Strip(src) is ILocalReferenceOperation anyLocal)
            return (anyLocal.Local, false);
        if (cond is not IBinaryOperation b) return null;
        ILocalSymbol? CountOf(IOperation o) =>
            Strip(o) is IPropertyReferenceOperation { Property.Name: "Count" or "Length", Instance: var inst } && inst is not null && Strip(inst) is ILocalReferenceOperation l ? l.Local : null;
        bool IsZero(IOperation o) => o.TryGetUInt64(out var v) && v == 0;
        if (CountOf(b.LeftOperand) is { } left && IsZero(b.RightOperand))
            return b.OperatorKind switch
            {
                BinaryOperatorKind.GreaterThan or BinaryOperatorKind.NotEquals => (left, false),
                BinaryOperatorKind.Equals or BinaryOperatorKind.LessThanOrEqual => (left, true),
                _ => null,
            };
        if (CountOf(b.RightOperand) is { } right && IsZero(b.LeftOperand))
            return b.OperatorKind switch
            {
                BinaryOperatorKind.LessThan or BinaryOperatorKind.NotEquals => (right, false),
                BinaryOperatorKind.Equals or BinaryOperatorKind.GreaterThanOrEqual => (right, true),
                _ => null,
            };
        return null;
    }

    private static IOperation Strip(IOperation o)
    {
        while (o is IConversionOperation conv) o = conv.Operand;
        return o;
    }

    private static bool RegionInvalidates(ControlFlowRegion region, List<Effect>[] effects, Dictionary<ControlFlowRegion, bool> cache)
    {
        if (cache.TryGetValue(region, out var known)) return known;
        bool any = false;
        for (int b = region.FirstBlockOrdinal; b <= region.LastBlockOrdinal && !any; b++)
            any = effects[b].Any(e => e.Kind == EffectKind.Invalidate);
        return cache[region] = any;
    }

    /// <summary>What the call does to pending clears, or null for nothing.</summary>
    private static Effect? Classify(IInvocationOperation inv, Rules rules, CancellationToken ct)
    {
        var m = inv.TargetMethod;
        var names = rules.Names;
        if (names.IsClearName(m.Name)) return new Effect(EffectKind.Clear, inv, null);
        if (names.IsInvalidateName(m.Name)) return new Effect(EffectKind.Invalidate, inv, null);
        if (m.Name.StartsWith("TryWrite", StringComparison.Ordinal) &&
            (m.ContainingType.IsType(MemoryType) || m.ContainingType.IsOrImplements(HostMemoryType)))
            return MemoryWrite(inv);
        if (BatchAddNames.Contains(m.Name) && inv.Instance is { } instance && Strip(instance) is ILocalReferenceOperation batch)
            return new Effect(EffectKind.BatchAdd, inv, null, batch.Local);
        if (rules.HelperOf(m, ct) is not { } helper) return null;
        // one level down: a helper of this compilation (Commit(), Unmap(), Store(), ClearRange())
        if (helper.Invalidates) return new Effect(EffectKind.Invalidate, inv, null);
        if (helper.Clears) return new Effect(EffectKind.Clear, inv, null);
        foreach (var (value, address) in helper.EntryWrites)
        {
            var v = inv.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == value);
            if (v is null) continue;
            var a = address >= 0 ? inv.Arguments.FirstOrDefault(x => x.Parameter?.Ordinal == address) : null;
            string? key = a?.Value.Syntax is ExpressionSyntax ae ? AddressKey(ae) : null;
            bool zero = v.Value.TryGetUInt64(out var n) && n == 0;
            return new Effect(zero ? EffectKind.Clear : EffectKind.Program, inv, key);
        }
        return null;
    }

    /// <summary>An 8-byte entry written through the model's or the platform's memory: zero (a clear) or not (programming).</summary>
    private static Effect? MemoryWrite(IInvocationOperation inv)
    {
        var m = inv.TargetMethod;
        string? Key() => inv.Arguments.Length > 0 && inv.Arguments[0].Value.Syntax is ExpressionSyntax e ? AddressKey(e) : null;
        switch (m.Name)
        {
            case "TryWriteLe" or "TryWriteBe" when inv.Arguments.Length == 3:
                if (!inv.Arguments[1].Value.TryGetUInt64(out var width) || width != 8) return null;
                bool zero = inv.Arguments[2].Value.TryGetUInt64(out var v) && v == 0;
                return new Effect(zero ? EffectKind.Clear : EffectKind.Program, inv, Key());
            case "TryWrite" when inv.Arguments.Length == 2:
                var src = Strip(inv.Arguments[1].Value);
                bool cleared;
                if (src is ILocalReferenceOperation local)
                {
                    // Span<byte> zero = stackalloc byte[16]; memory.TryWrite(entry, zero);
                    cleared = local.Local.DeclaringSyntaxReferences.Length == 1 &&
                              local.Local.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: var init } &&
                              IsZeroBuffer(init);
                }
                else cleared = IsZeroBuffer(src.Syntax);
                return cleared ? new Effect(EffectKind.Clear, inv, Key()) : null;
            default:
                return null;
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

    private static string Describe(IOperation op) => op is IInvocationOperation inv ? inv.TargetMethod.Name : op.Syntax.ToString();
}
