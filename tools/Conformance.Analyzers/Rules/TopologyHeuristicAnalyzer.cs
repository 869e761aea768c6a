using System;
using System.Collections.Immutable;
using System.Linq;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK001: isolation or grouping decided from bus numbers, slots, bridges or ACS bits (the seed: "Having a magic
/// heuristic in libvirt to figure out those constraints is WRONG ... This is kernel knowledge"). A topology fact is
/// flagged where it <em>decides</em>: compared, matched by a pattern, switched on, or used as a grouping key.
/// Using it to address hardware (a root-table index, a PE's bus range handed to firmware) is not a decision.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TopologyHeuristicAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Extra members (full names, comma-separated) that count as topology facts.</summary>
    public const string ExtraMembersKey = "conformance_topology_members";

    public static readonly ImmutableArray<string> DefaultMembers = ImmutableArray.Create(
        "Conformance.Reference.Pci.Bdf.Bus", "Conformance.Reference.Pci.Bdf.Device", "Conformance.Reference.Pci.Bdf.Function",
        "Conformance.Reference.Pci.Bdf.DevFn",
        "Conformance.Reference.Topology.DeviceSpec.Secondary", "Conformance.Reference.Topology.DeviceSpec.Subordinate",
        "Conformance.Reference.Topology.DeviceSpec.Acs", "Conformance.Reference.Topology.DeviceSpec.Multifunction",
        "Conformance.Reference.Topology.DeviceSpec.PciX",
        "Conformance.Reference.Topology.AcsSpec.Cap", "Conformance.Reference.Topology.AcsSpec.Ctl",
        "Conformance.Reference.Topology.DeviceKinds.IsBridge", "Conformance.Reference.Topology.DeviceKinds.PortType",
        // the bridge kinds, as enum members
        "Conformance.Reference.Topology.DeviceKind.PcieToPciBridge", "Conformance.Reference.Topology.DeviceKind.PciToPcieBridge",
        "Conformance.Reference.Topology.DeviceKind.PciBridge", "Conformance.Reference.Topology.DeviceKind.RootPort",
        "Conformance.Reference.Topology.DeviceKind.UpstreamPort", "Conformance.Reference.Topology.DeviceKind.DownstreamPort",
        "Conformance.Reference.Topology.PciePortType.PcieToPciBridge", "Conformance.Reference.Topology.PciePortType.RootPort",
        "Conformance.Reference.Topology.PciePortType.Downstream");

    private static readonly ImmutableHashSet<string> KeySelectorMethods =
        ImmutableHashSet.Create(StringComparer.Ordinal, "GroupBy", "ToLookup", "DistinctBy", "ToDictionary", "GroupJoin", "Join", "CountBy", "AggregateBy");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.TopologyHeuristic);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var members = DefaultMembers.AddRange(PolicyOptions.GetList(start.Options, null, ExtraMembersKey, ImmutableArray<string>.Empty)).ToImmutableHashSet(StringComparer.Ordinal);
            if (start.Compilation.AssemblyName is { } asm && asm.StartsWith(PolicyOptions.DefaultModelNamespace, StringComparison.Ordinal)) return;
            start.RegisterOperationAction(c => AnalyzeComparison(c, members), OperationKind.Binary);
            start.RegisterOperationAction(c => AnalyzePattern(c, members), OperationKind.IsPattern);
            start.RegisterOperationAction(c => AnalyzeSwitch(c, members), OperationKind.Switch, OperationKind.SwitchExpression);
            start.RegisterOperationAction(c => AnalyzeKeySelector(c, members), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeCondition(c, members), OperationKind.Conditional, OperationKind.Loop);
        });
    }

    private static void AnalyzeComparison(OperationAnalysisContext c, ImmutableHashSet<string> members)
    {
        var b = (IBinaryOperation)c.Operation;
        if (b.OperatorKind is not (BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan or
            BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual)) return;
        var found = FirstTopologyFact(b.LeftOperand, members) ?? FirstTopologyFact(b.RightOperand, members);
        if (found is not null) Report(c, b, found, "what may be assigned or isolated together (a comparison)");
    }

    private static void AnalyzePattern(OperationAnalysisContext c, ImmutableHashSet<string> members)
    {
        var p = (IIsPatternOperation)c.Operation;
        // 'd.Secondary is byte s' unwraps a value to use it (print it, program it); the use is judged, not the unwrap.
        if (p.Pattern is IDeclarationPatternOperation or IRecursivePatternOperation { DeclaredSymbol: not null, PropertySubpatterns.Length: 0, DeconstructionSubpatterns.Length: 0 }) return;
        var found = FirstTopologyFact(p.Value, members) ?? FirstTopologyFact(p.Pattern, members);
        if (found is not null) Report(c, p, found, "what may be assigned or isolated together (a pattern match)");
    }

    private static void AnalyzeSwitch(OperationAnalysisContext c, ImmutableHashSet<string> members)
    {
        var value = c.Operation switch { ISwitchOperation s => s.Value, ISwitchExpressionOperation e => e.Value, _ => null };
        if (value is null) return;
        var patterns = c.Operation switch
        {
            ISwitchOperation s => s.Cases.SelectMany(k => k.Clauses).OfType<IPatternCaseClauseOperation>().Select(k => (IOperation)k.Pattern)
                .Concat(s.Cases.SelectMany(k => k.Clauses).OfType<ISingleValueCaseClauseOperation>().Select(k => k.Value)),
            ISwitchExpressionOperation e => e.Arms.Select(a => (IOperation)a.Pattern),
            _ => Enumerable.Empty<IOperation>(),
        };
        var found = FirstTopologyFact(value, members) ?? patterns.Select(p => FirstTopologyFact(p, members)).FirstOrDefault(f => f is not null);
        if (found is not null) Report(c, value, found, "what may be assigned or isolated together (a switch)");
    }

    /// <summary><c>if (parent.Kind.IsBridge())</c>, <c>while (!dev.PciX)</c>: a boolean topology fact as the condition itself.</summary>
    private static void AnalyzeCondition(OperationAnalysisContext c, ImmutableHashSet<string> members)
    {
        var cond = c.Operation switch { IConditionalOperation k => k.Condition, IWhileLoopOperation w => w.Condition, _ => null };
        if (cond is null) return;
        foreach (var leaf in BooleanLeaves(cond))
        {
            if (leaf is IBinaryOperation or IIsPatternOperation) continue; // reported as comparisons / patterns
            ISymbol? m = leaf switch { IMemberReferenceOperation r => r.Member, IInvocationOperation i => i.TargetMethod.Declared(), _ => null };
            if (m?.ContainingType is not null && members.Contains(m.FullMemberName()))
                Report(c, leaf, m.ContainingType.Name + "." + m.Name, "what may be assigned or isolated together (a condition)");
        }
    }

    private static System.Collections.Generic.IEnumerable<IOperation> BooleanLeaves(IOperation op)
    {
        op = Unwrap(op);
        if (op is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not) { foreach (var l in BooleanLeaves(not.Operand)) yield return l; yield break; }
        if (op is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr or BinaryOperatorKind.And or BinaryOperatorKind.Or } b && b.Type?.SpecialType == SpecialType.System_Boolean)
        {
            foreach (var l in BooleanLeaves(b.LeftOperand)) yield return l;
            foreach (var l in BooleanLeaves(b.RightOperand)) yield return l;
            yield break;
        }
        yield return op;
    }

    private static void AnalyzeKeySelector(OperationAnalysisContext c, ImmutableHashSet<string> members)
    {
        var inv = (IInvocationOperation)c.Operation;
        if (!KeySelectorMethods.Contains(inv.TargetMethod.Name)) return;
        foreach (var arg in inv.Arguments)
        {
            if (Unwrap(arg.Value) is not IAnonymousFunctionOperation lambda) continue;
            var found = FirstTopologyFact(lambda.Body, members);
            if (found is not null) { Report(c, lambda, found, $"a grouping ({inv.TargetMethod.Name} key)"); return; }
            break; // only the first lambda is a key selector for GroupBy/ToLookup/DistinctBy/ToDictionary
        }
    }

    private static IOperation Unwrap(IOperation op)
    {
        while (true)
        {
            if (op is IConversionOperation c) op = c.Operand;
            else if (op is IDelegateCreationOperation d) op = d.Target;
            else return op;
        }
    }

    private static string? FirstTopologyFact(IOperation root, ImmutableHashSet<string> members)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            ISymbol? m = op switch
            {
                IMemberReferenceOperation r => r.Member,
                IInvocationOperation i => i.TargetMethod.Declared(),
                _ => null,
            };
            if (m?.ContainingType is null) continue;
            if (members.Contains(m.FullMemberName())) return m.ContainingType.Name + "." + m.Name;
        }
        return null;
    }

    private static void Report(OperationAnalysisContext c, IOperation at, string member, string decision) =>
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.TopologyHeuristic, at.Syntax.GetLocation(), member, decision));
}
