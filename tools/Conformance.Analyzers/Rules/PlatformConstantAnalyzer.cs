using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using System.Collections.Immutable;
using Conformance.Analyzers.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Conformance.Analyzers.Rules;

/// <summary>
/// DAK003: one platform's constants in platform-neutral adapter code (the seed: "quite x86 VTd specific in the
/// implementation and API definition"). Neutral code asks the capability: the IO page sizes, the DMA windows /
/// IOVA ranges, the interrupt address window. Platform-specific code (see <see cref="PolicyOptions.IsPlatformSpecific"/>)
/// is exempt: there these constants are the hardware's.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PlatformConstantAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: which constant it is, for the code fix.</summary>
    public const string KindProperty = "Kind";
    public const string IoPageKind = "IoPage";
    public const string IovaSpaceKind = "IovaSpace";
    public const string InterruptWindowKind = "InterruptWindow";
    public const string VtdRegisterKind = "VtdRegister";

    /// <summary>Intel SDM §11.11.1: the MSI address window 0xFEE0_0000-0xFEEF_FFFF (and the next MB, reserved).</summary>
    private static readonly ImmutableHashSet<ulong> InterruptWindow = ImmutableHashSet.Create<ulong>(0xFEE0_0000, 0xFEEF_FFFF, 0xFEF0_0000, 0xFEE0_0000_0000_0000);

    /// <summary>VT-d 4.x §11.4 register offsets (VER at 0 is left out: offset 0 is every register block's first).</summary>
    private static readonly ImmutableDictionary<ulong, string> VtdRegisters = new Dictionary<ulong, string>
    {
        [0x08] = "CAP_REG", [0x10] = "ECAP_REG", [0x18] = "GCMD_REG", [0x1C] = "GSTS_REG", [0x20] = "RTADDR_REG",
        [0x28] = "CCMD_REG", [0x34] = "FSTS_REG", [0x38] = "FECTL_REG", [0x3C] = "FEDATA_REG", [0x40] = "FEADDR_REG",
        [0x58] = "AFLOG_REG", [0x64] = "PMEN_REG", [0x80] = "IQH_REG", [0x88] = "IQT_REG", [0x90] = "IQA_REG",
        [0x9C] = "ICS_REG", [0xA0] = "IECTL_REG", [0xB8] = "IRTA_REG",
    }.ToImmutableDictionary();

    private static readonly string[] PageWords = { "page", "iova", "ioba", "tce", "granul", "align" };
    private static readonly string[] NotIoPageWords = { "config", "cfg", "buffer", "stack" };
    private static readonly string[] IovaWords = { "iova", "ioba", "aperture", "window", "addressspace", "dmalimit", "dmaend", "dmamax", "busaddress" };
    private static readonly string[] AddressWidthWords = { "addresswidth", "addressbits", "iovabits", "dmabits", "aperturebits", "aw" };
    private static readonly string[] RegisterBaseWords = { "unit", "dmar", "iommu", "vtd", "remap", "reg" };
    private static readonly string[] RegisterAccessMethods = { "CpuRead", "CpuWrite", "ReadRegister", "WriteRegister", "Read32", "Write32", "Read64", "Write64", "Mmio" };

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptors.PlatformConstant);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(Analyze, OperationKind.Literal, OperationKind.BinaryOperator, OperationKind.UnaryOperator, OperationKind.FieldReference);
    }

    private static void Analyze(OperationAnalysisContext c)
    {
        var op = c.Operation;
        if (!op.TryGetUInt64(out ulong value)) return;
        // Report a folded constant once, at its outermost constant expression: ~0xFFFUL at '~', 1 << 12 at '<<'.
        if (op.Parent is IBinaryOperation or IUnaryOperation or IParenthesizedOperation && op.Parent.ConstantValue.HasValue) return;
        if (op is IFieldReferenceOperation f && !(f.Field.ContainingType?.SpecialType is SpecialType.System_UInt64 or SpecialType.System_Int64)) return;
        if (PolicyOptions.IsPlatformSpecific(c.ContainingSymbol, op.Syntax.SyntaxTree, c.Options)) return;

        // A named constant (PageSize - 1, ~(Page - 1)) is judged where it is defined, not where it is used.
        if (op.Syntax.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(id => id.Identifier.ValueText != "MaxValue")) return;
        var loc = op.Syntax.GetLocation();
        if (InterruptWindow.Contains(value))
        {
            Report(c, loc, InterruptWindowKind, $"x86's interrupt address window 0x{value:X}", "the platform's MSI address window; remapping/validation is the bridge's job");
            return;
        }
        // x >> 20 == 0xFEE: the same window by its top twelve bits
        var outer = op;
        while (outer.Parent is IConversionOperation) outer = outer.Parent;
        if (value == 0xFEE && outer.Parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } cmp &&
            Other(cmp, outer) is IBinaryOperation { OperatorKind: BinaryOperatorKind.RightShift } sh && sh.RightOperand.TryGetUInt64(out var by) && by == 20)
        {
            Report(c, loc, InterruptWindowKind, "x86's interrupt address window (address >> 20 == 0xFEE)", "the platform's MSI address window");
            return;
        }

        if (IsIoPageConstant(op, value))
        {
            var words = Constants.ContextWords(op.Syntax);
            if (Constants.AnyWordContains(words, PageWords) && !Constants.AnyWordContains(words, NotIoPageWords))
            {
                Report(c, loc, IoPageKind, value switch { 12 => "A 4 KiB IO page shift (12)", 0xFFF => "A 4 KiB IO page mask (0xFFF)", 4096 => "A hard-coded 4 KiB IO page", _ => $"A 4 KiB IO page mask (0x{value:X})" },
                    "the IO page sizes the platform reports (POWER TCE pages are 4K, 64K or 16M; VT-d and AMD-Vi have large pages)");
                return;
            }
        }

        if (value == ulong.MaxValue && op.Parent is not IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals })
        {
            var words = Constants.ContextWords(op.Syntax);
            if (Constants.AnyWordContains(words, IovaWords))
            {
                Report(c, loc, IovaSpaceKind, "A full 64-bit IOVA space", "the DMA windows / IOVA ranges the platform reports (POWER: a 32-bit default window and a dynamic 64-bit window)");
                return;
            }
        }
        if (value == 64 && op.Parent is not IBinaryOperation)
        {
            var words = Constants.ContextWords(op.Syntax);
            if (words.Count > 0 && Constants.AnyWordContains(new[] { words[0] }, AddressWidthWords))
            {
                Report(c, loc, IovaSpaceKind, "A 64-bit IOVA width", "the IOVA width the platform reports (VT-d MGAW/SAGAW, AMD-Vi VASize, POWER window sizes)");
                return;
            }
        }

        if (VtdRegisters.TryGetValue(value, out var reg) && IsRegisterOffset(op) && Constants.AnyWordContains(Constants.ContextWords(op.Syntax), RegisterBaseWords))
            Report(c, loc, VtdRegisterKind, $"VT-d register offset 0x{value:X} ({reg})", "the platform's own adapter; neutral code does not program IOMMU registers");
    }

    private static bool IsIoPageConstant(IOperation op, ulong value)
    {
        if (value is 4096 or 0xFFF or 0xFFFF_F000 or 0xFFFF_FFFF_FFFF_F000) return true;
        // iova >> 12, pfn << 12: the shift count of a non-constant shift
        return value == 12 && op.Parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.LeftShift or BinaryOperatorKind.RightShift } sh &&
               ReferenceEquals(Skip(sh.RightOperand), op) && !sh.ConstantValue.HasValue;
    }

    /// <summary>A constant added to a base address that is passed to a register access (<c>machine.CpuWrite(unit + 0x18, ...)</c>).</summary>
    private static bool IsRegisterOffset(IOperation op)
    {
        IOperation cur = op;
        while (cur.Parent is IConversionOperation or IParenthesizedOperation) cur = cur.Parent;
        if (cur.Parent is not IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add) return false;
        cur = add;
        while (cur.Parent is IConversionOperation or IParenthesizedOperation or IBinaryOperation { OperatorKind: BinaryOperatorKind.Add }) cur = cur.Parent;
        if (cur.Parent is not IArgumentOperation { Parent: IInvocationOperation call }) return false;
        if (call.TargetMethod.ContainingType.IsOrImplements("Conformance.Adapters.Platform.ICpuMmio")) return true;
        foreach (var m in RegisterAccessMethods)
            if (call.TargetMethod.Name.StartsWith(m, System.StringComparison.Ordinal)) return true;
        return false;
    }

    private static IOperation Skip(IOperation op)
    {
        while (op is IConversionOperation conv) op = conv.Operand;
        return op;
    }

    private static IOperation Other(IBinaryOperation b, IOperation one)
    {
        var l = Skip(b.LeftOperand);
        return ReferenceEquals(l, one) || ReferenceEquals(b.LeftOperand, one) ? Skip(b.RightOperand) : l;
    }

    private static void Report(OperationAnalysisContext c, Location loc, string kind, string what, string ask) =>
        c.ReportDiagnostic(Diagnostic.Create(Descriptors.PlatformConstant, loc, ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind), what, ask));
}
