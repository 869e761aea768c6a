using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK006: adapter code uses the reference model only through its architected interface (architecture.md,
/// "The layers"): memory, MMIO, firmware calls, platform facts. Flags any other member of
/// <c>Conformance.Reference.*</c>, deriving from or implementing a model type (interposing on a seam),
/// reflection on model types, and <c>[UnsafeAccessor]</c> methods aimed at them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelInternalsAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Members of System.Type that only name a type; everything else on a model type's Type is reflection into it.</summary>
    private static readonly ImmutableHashSet<string> HarmlessTypeMembers =
        ImmutableHashSet.Create(StringComparer.Ordinal, "Name", "FullName", "Namespace", "ToString", "Equals", "GetHashCode", "IsAssignableFrom", "IsInstanceOfType");

    private static readonly ImmutableHashSet<string> TypeByNameMethods =
        ImmutableHashSet.Create(StringComparer.Ordinal, "GetType", "CreateInstance", "CreateInstanceFrom", "Load", "LoadFrom");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.ModelInternals);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var entries = new List<string>(ModelSurface.DefaultEntries);
            foreach (var file in start.Options.AdditionalFiles)
            {
                if (!string.Equals(System.IO.Path.GetFileName(file.Path), ModelSurface.FileName, StringComparison.OrdinalIgnoreCase)) continue;
                if (file.GetText(start.CancellationToken) is { } text) entries.AddRange(ModelSurface.ParseLines(text.ToString()));
            }
            if (PolicyOptions.Get(start.Options, null, PolicyOptions.ModelSurfaceKey) is { } extra) entries.AddRange(ModelSurface.ParseLines(extra.Replace(',', '\n').Replace(';', '\n')));
            var surface = new ModelSurface(PolicyOptions.ModelNamespace(start.Options, null), entries);
            // Don't police the model itself when the analyzer happens to run on it.
            if (start.Compilation.AssemblyName is { } asm && asm.StartsWith(surface.ModelNamespace, StringComparison.Ordinal)) return;

            start.RegisterOperationAction(c => AnalyzeMemberUse(c, surface),
                OperationKind.Invocation, OperationKind.PropertyReference, OperationKind.FieldReference,
                OperationKind.EventReference, OperationKind.MethodReference, OperationKind.ObjectCreation);
            start.RegisterOperationAction(c => AnalyzeTypeOf(c, surface), OperationKind.TypeOf);
            start.RegisterSymbolAction(c => AnalyzeType(c, surface), SymbolKind.NamedType);
            start.RegisterSymbolAction(c => AnalyzeUnsafeAccessor(c, surface), SymbolKind.Method);
        });
    }

    private static void AnalyzeMemberUse(OperationAnalysisContext c, ModelSurface surface)
    {
        ISymbol? member = c.Operation switch
        {
            IInvocationOperation i => i.TargetMethod.Declared(),
            IObjectCreationOperation o => o.Constructor,
            IMemberReferenceOperation m => m.Member,
            _ => null,
        };
        if (member is null) return;
        // Reading the data of a value one legitimately holds (a DmaOutcome's Kind) is not reaching in.
        if (!member.IsStatic && member.ContainingType is { IsValueType: true } && member is not IMethodSymbol { MethodKind: MethodKind.Constructor }) return;
        // One diagnostic per chain: machine.Bridge.Translate(...) is reported at machine.Bridge.
        if (Receiver(c.Operation) is { } receiver && IsViolation(receiver, surface)) return;
        if (!surface.IsAllowedMember(member))
        {
            string what = member is IMethodSymbol { MethodKind: MethodKind.Constructor } ctor ? "new " + ctor.ContainingType.Name : member.ContainingType.Name + "." + member.Name;
            c.ReportDiagnostic(Diagnostic.Create(Descriptors.ModelInternals, c.Operation.Syntax.GetLocation(), what,
                "the architected interface is memory, MMIO, firmware calls and platform facts"));
            return;
        }
        if (c.Operation is IInvocationOperation inv) AnalyzeReflectionByName(c, inv, surface);
    }

    private static IOperation? Receiver(IOperation op) => op switch
    {
        IInvocationOperation i => i.Instance,
        IMemberReferenceOperation m => m.Instance,
        _ => null,
    };

    private static bool IsViolation(IOperation op, ModelSurface surface)
    {
        while (true)
        {
            if (op is IConversionOperation conv) op = conv.Operand;
            else if (op is IConditionalAccessInstanceOperation) op = EnclosingConditionalAccess(op)?.Operation ?? op;
            else break;
            if (op is not (IConversionOperation or IConditionalAccessInstanceOperation)) break;
        }
        ISymbol? member = op switch
        {
            IInvocationOperation i => i.TargetMethod.Declared(),
            IMemberReferenceOperation m => m.Member,
            _ => null,
        };
        if (member is null) return false;
        return !surface.IsAllowedMember(member) || (Receiver(op) is { } r && IsViolation(r, surface));
    }

    private static IConditionalAccessOperation? EnclosingConditionalAccess(IOperation op)
    {
        for (var p = op.Parent; p is not null; p = p.Parent)
            if (p is IConditionalAccessOperation ca) return ca;
        return null;
    }

    /// <summary><c>Type.GetType("Conformance.Reference...")</c>, <c>Activator.CreateInstance(asm, "Conformance.Reference...")</c>, <c>obj.GetType().GetField(...)</c> on a model object.</summary>
    private static void AnalyzeReflectionByName(OperationAnalysisContext c, IInvocationOperation inv, ModelSurface surface)
    {
        var m = inv.TargetMethod;
        var ns = m.ContainingType?.NamespaceName() ?? "";
        bool reflection = ns == "System.Reflection" || m.ContainingType?.FullTypeName() is "System.Type" or "System.Activator" or "System.AppDomain";
        if (!reflection) return;
        if (TypeByNameMethods.Contains(m.Name))
        {
            foreach (var a in inv.Arguments)
            {
                if (a.Value.ConstantValue is { HasValue: true, Value: string s } && s.StartsWith(surface.ModelNamespace + ".", StringComparison.Ordinal))
                {
                    Report(c, inv, s, "reflection by name into the model");
                    return;
                }
            }
        }
        // model.GetType().GetField("_x", ...): System.Type member on the runtime type of a model object
        if (m.ContainingType?.FullTypeName() == "System.Type" && !HarmlessTypeMembers.Contains(m.Name) &&
            inv.Instance is IInvocationOperation { TargetMethod.Name: "GetType", Instance: { } obj } && surface.IsModelType(obj.Type))
        {
            Report(c, inv, obj.Type!.Name + ".GetType()." + m.Name, "reflection into a model object");
        }
    }

    private static void AnalyzeTypeOf(OperationAnalysisContext c, ModelSurface surface)
    {
        var op = (ITypeOfOperation)c.Operation;
        if (!surface.IsModelType(op.TypeOperand)) return;
        // typeof(Model).X where X is anything beyond naming the type
        IOperation? parent = op.Parent;
        while (parent is IConversionOperation or IArgumentOperation && parent.Parent is not null && parent is not IArgumentOperation) parent = parent.Parent;
        string? memberName = parent switch
        {
            IInvocationOperation i when ReferenceEquals(i.Instance, op) => i.TargetMethod.Name,
            IPropertyReferenceOperation p when ReferenceEquals(p.Instance, op) => p.Property.Name,
            _ => null,
        };
        bool throughArgument = op.Parent is IArgumentOperation { Parent: IInvocationOperation call } &&
            (call.TargetMethod.ContainingType?.NamespaceName() == "System.Reflection" ||
             call.TargetMethod.ContainingType?.FullTypeName() is "System.Activator" or "System.Runtime.CompilerServices.RuntimeHelpers" or "System.Runtime.Serialization.FormatterServices");
        if ((memberName is not null && !HarmlessTypeMembers.Contains(memberName)) || throughArgument)
        {
            Report(c, memberName is null ? op : parent!, "typeof(" + op.TypeOperand.Name + ")" + (memberName is null ? "" : "." + memberName), "reflection into the model");
        }
    }

    private static void AnalyzeType(SymbolAnalysisContext c, ModelSurface surface)
    {
        var type = (INamedTypeSymbol)c.Symbol;
        if (type.IsInNamespace(surface.ModelNamespace)) return;
        var bases = new List<INamedTypeSymbol>();
        if (type.BaseType is { } b) bases.Add(b);
        bases.AddRange(type.Interfaces);
        foreach (var t in bases)
        {
            if (!t.IsInNamespace(surface.ModelNamespace) || surface.IsAllowedType(t)) continue;
            var loc = type.Locations.FirstOrDefault(l => l.IsInSource) ?? Location.None;
            c.ReportDiagnostic(Diagnostic.Create(Descriptors.ModelInternals, loc, t.Name,
                type.Name + " derives from or implements a model type: interposing on the model's seams"));
        }
    }

    private static void AnalyzeUnsafeAccessor(SymbolAnalysisContext c, ModelSurface surface)
    {
        var method = (IMethodSymbol)c.Symbol;
        var attrs = method.GetAttributes();
        if (!attrs.Any(a => a.AttributeClass?.FullTypeName() == "System.Runtime.CompilerServices.UnsafeAccessorAttribute")) return;
        bool targetsModel = surface.IsModelType(method.ReturnType) || method.Parameters.Any(p => surface.IsModelType(p.Type));
        // [UnsafeAccessorType("Conformance.Reference....")] on a parameter or return value names the target by string
        targetsModel |= method.Parameters.SelectMany(p => p.GetAttributes()).Concat(method.GetReturnTypeAttributes())
            .Any(a => a.AttributeClass?.Name == "UnsafeAccessorTypeAttribute" &&
                      a.ConstructorArguments.FirstOrDefault().Value is string s && s.StartsWith(surface.ModelNamespace + ".", StringComparison.Ordinal));
        if (!targetsModel) return;
        var loc = method.Locations.FirstOrDefault(l => l.IsInSource) ?? Location.None;
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.ModelInternals, loc, method.Name, "UnsafeAccessor into the model"));
    }

    private static void Report(OperationAnalysisContext c, IOperation op, string what, string why) =>
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.ModelInternals, op.Syntax.GetLocation(), what, why));
}
