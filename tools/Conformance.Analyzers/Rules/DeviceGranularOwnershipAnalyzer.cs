using System;
using System.Collections.Immutable;
using System.Linq;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK002: ownership handled per device instead of per group (the seed: "don't try to put 2 legacy PCI devices
/// behind the same bridge into 2 different domains"; "passing a reference to a PE ... and have it just pickup all
/// the devices in there"). Four shapes:
/// <list type="number">
/// <item>one device picked out of a group (<c>group.Devices[0]</c>, <c>.First()</c>) and handled on its own;</item>
/// <item>a device-granular ownership call (<c>AttachDevice(bdf)</c>, <c>AssignDevice</c>, <c>ReleaseDevice</c>...) that is
/// not inside a loop over a whole group's devices;</item>
/// <item>such a loop that can stop half way (<c>return</c>/<c>break</c>), leaving the group split between owners;</item>
/// <item>a secondary bus reset written to a bridge without consulting the reset scope (<c>PlatformFacts.HotResetScope</c>):
/// it resets every function below the bridge, whoever owns them.</item>
/// </list>
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeviceGranularOwnershipAnalyzer : DiagnosticAnalyzer
{
    public const string GroupTypeKey = "conformance_group_type";
    public const string DefaultGroupType = "Conformance.Adapters.Platform.IsolationGroup";
    private const string BdfType = "Conformance.Reference.Pci.Bdf";
    private const string DeviceFactsType = "Conformance.Adapters.Platform.DeviceFacts";
    private const string PciConfigType = "Conformance.Adapters.Platform.IPciConfig";
    private const string HotResetScope = "HotResetScope";

    private static readonly ImmutableArray<string> OwnershipVerbs = ImmutableArray.Create(
        "Attach", "Assign", "Claim", "Take", "Bind", "HandOver", "Handover", "Release", "Detach", "Give", "Transfer", "Unbind");

    private static readonly ImmutableHashSet<string> PickOne = ImmutableHashSet.Create(StringComparer.Ordinal,
        "First", "FirstOrDefault", "Single", "SingleOrDefault", "Last", "LastOrDefault", "ElementAt", "ElementAtOrDefault");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.DeviceGranularOwnership);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var groupType = PolicyOptions.Get(start.Options, null, GroupTypeKey)?.Trim() is { Length: > 0 } g ? g : DefaultGroupType;
            start.RegisterOperationAction(c => AnalyzePick(c, groupType), OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.ArrayElementReference);
            start.RegisterOperationAction(c => AnalyzeOwnershipCall(c, groupType), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeBusReset(c), OperationKind.Invocation);
        });
    }

    /// <summary>Is this the device list of a group (<c>group.Devices</c>)?</summary>
    private static bool IsGroupDevices(IOperation? op, string groupType)
    {
        while (op is IConversionOperation conv) op = conv.Operand;
        return op is IPropertyReferenceOperation { Property.Name: "Devices", Instance: { } inst } && inst.Type.IsOrDerivesFrom(groupType);
    }

    private static void AnalyzePick(OperationAnalysisContext c, string groupType)
    {
        IOperation? source = c.Operation switch
        {
            // group.Devices[0] on an IReadOnlyList<Bdf> is an indexer property
            IPropertyReferenceOperation { Property.IsIndexer: true } p => p.Instance,
            IArrayElementReferenceOperation a => a.ArrayReference,
            IInvocationOperation i when PickOne.Contains(i.TargetMethod.Name) && i.TargetMethod.IsExtensionMethod => i.Arguments.FirstOrDefault()?.Value,
            _ => null,
        };
        if (!IsGroupDevices(source, groupType)) return;
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.DeviceGranularOwnership, c.Operation.Syntax.GetLocation(),
            "One device is picked out of an isolation group; the group is the unit of ownership, so act on all of its devices"));
    }

    private static bool IsOwnershipCall(IInvocationOperation inv)
    {
        var m = inv.TargetMethod;
        if (!OwnershipVerbs.Any(v => m.Name.StartsWith(v, StringComparison.Ordinal))) return false;
        // a device-granular signature: takes a device (Bdf or DeviceFacts), not a group id
        return m.Parameters.Any(p => p.Type.IsType(BdfType) || p.Type.IsType(DeviceFactsType));
    }

    private static void AnalyzeOwnershipCall(OperationAnalysisContext c, string groupType)
    {
        var inv = (IInvocationOperation)c.Operation;
        if (!IsOwnershipCall(inv)) return;
        var loop = EnclosingGroupLoop(inv, groupType);
        if (loop is null)
        {
            c.ReportDiagnostic(Diagnostic.Create(Descriptors.DeviceGranularOwnership, inv.Syntax.GetLocation(),
                $"'{inv.TargetMethod.Name}' hands one device over on its own; ownership changes per isolation group, for every device of the group together"));
            return;
        }
        // A loop over the group that can stop half way leaves the group split between owners (reported once per loop).
        var first = loop.Body.Descendants().OfType<IInvocationOperation>().Where(IsOwnershipCall).OrderBy(o => o.Syntax.SpanStart).First();
        if (!ReferenceEquals(first, inv)) return;
        var exits = loop.Body.Descendants().Where(o =>
            (o is IBranchOperation { BranchKind: BranchKind.Break } br && ReferenceEquals(EnclosingLoop(br), loop)) ||
            (o is IReturnOperation && o.Syntax.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.ReturnStatement)));
        foreach (var exit in exits)
            c.ReportDiagnostic(Diagnostic.Create(Descriptors.DeviceGranularOwnership, exit.Syntax.GetLocation(),
                $"Leaving the loop over the group's devices here, when '{inv.TargetMethod.Name}' may have run for some of them, splits the group between owners; check every device first, or undo what was done"));
    }

    private static IForEachLoopOperation? EnclosingGroupLoop(IOperation op, string groupType)
    {
        for (var p = op.Parent; p is not null; p = p.Parent)
        {
            if (p is IForEachLoopOperation fe && IsGroupDevices(fe.Collection, groupType)) return fe;
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) break;
        }
        return null;
    }

    private static ILoopOperation? EnclosingLoop(IOperation op)
    {
        for (var p = op.Parent; p is not null; p = p.Parent)
            if (p is ILoopOperation l) return l;
        return null;
    }

    /// <summary>IPciConfig.Write(bridge, BridgeControl, 2, ... | SecondaryBusReset) in a method that never asks HotResetScope.</summary>
    private static void AnalyzeBusReset(OperationAnalysisContext c)
    {
        var inv = (IInvocationOperation)c.Operation;
        if (inv.TargetMethod.Name != "Write" || !inv.TargetMethod.ContainingType.IsOrImplements(PciConfigType) || inv.Arguments.Length < 4) return;
        if (!inv.Arguments[1].Value.TryGetUInt64(out var offset) || offset != 0x3E) return; // Bridge Control (PCI-to-PCI Bridge 1.2 §3.2.5.18)
        bool setsSbr = inv.Arguments[3].Value.DescendantsAndSelf().Any(o =>
            (o.TryGetUInt64(out var v) && (v & 0x40) != 0 && o is ILiteralOperation or IFieldReferenceOperation) ||
            o is IFieldReferenceOperation { Field.Name: "SecondaryBusReset" });
        if (!setsSbr) return;
        var body = inv.Syntax.Ancestors().FirstOrDefault(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax);
        if (body is not null && body.DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>().Any(id => id.Identifier.ValueText == HotResetScope)) return;
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.DeviceGranularOwnership, inv.Syntax.GetLocation(),
            "A secondary bus reset resets every function below the bridge; check that the owner holds every group in PlatformFacts.HotResetScope first"));
    }
}
