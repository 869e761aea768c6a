using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Conformance.Analyzers.Infrastructure;

/// <summary>
/// The reference model's architected interface, as DAK006 sees it: what an adapter may use of
/// <c>Conformance.Reference.*</c>. One entry a line, in the BannedSymbols style but allowing instead of banning:
/// <c>N:Namespace</c> (everything in it), <c>T:Full.Type</c> (the type and all its members),
/// <c>M:Full.Type.Member</c> (one member, every overload; also for properties and fields). A trailing <c>*</c>
/// matches any suffix. Text after <c>;</c> is a comment. Enum types are always allowed: they are the
/// specification's codes.
/// </summary>
internal sealed class ModelSurface
{
    /// <summary>The file name an adapter project may add as AdditionalFiles to extend the surface.</summary>
    public const string FileName = "ConformanceModelSurface.txt";

    /// <summary>The default surface: memory, MMIO, firmware calls, platform facts.</summary>
    public static readonly ImmutableArray<string> DefaultEntries = ImmutableArray.Create(
        // platform facts: the topology, the isolation groups, the capabilities the platform reports
        "N:Conformance.Reference.Topology",
        "N:Conformance.Reference.Groups",
        "N:Conformance.Reference.Text",
        "T:Conformance.Reference.Pci.Bdf",
        "T:Conformance.Reference.Power.PhbConfig",
        "T:Conformance.Reference.Power.PhbWindow",
        // memory: the tables an adapter builds live in host physical memory
        "T:Conformance.Reference.Memory.PhysicalMemory",
        "T:Conformance.Reference.Memory.MemoryRegion",
        "M:Conformance.Reference.Platform.Machine.Memory",
        // MMIO: CPU loads and stores, the only way to a unit's registers; where the units are (ACPI DMAR / device tree)
        "M:Conformance.Reference.Platform.Machine.CpuRead",
        "M:Conformance.Reference.Platform.Machine.CpuWrite",
        "M:Conformance.Reference.Platform.Machine.Units",
        "M:Conformance.Reference.Platform.Machine.UnitMapping.Id",
        "M:Conformance.Reference.Platform.Machine.UnitMapping.Base",
        "M:Conformance.Reference.Platform.Machine.UnitMapping.Size",
        "M:Conformance.Reference.Bus.MmioBus.AllOnes",
        // time passes (a driver waiting for a completion)
        "M:Conformance.Reference.Platform.Machine.Tick",
        // firmware calls (POWER OPAL) and their architected results
        "T:Conformance.Reference.Power.Opal*",
        // architected message formats, decoded from bits
        "T:Conformance.Reference.Interrupts.X86MsiMessage");

    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);
    private readonly HashSet<string> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly List<string> _typePrefixes = new();
    private readonly List<string> _memberPrefixes = new();

    public ModelSurface(string modelNamespace, IEnumerable<string> entries)
    {
        ModelNamespace = modelNamespace;
        foreach (var raw in entries)
        {
            var line = raw;
            int semi = line.IndexOf(';');
            if (semi >= 0) line = line.Substring(0, semi);
            line = line.Trim();
            if (line.Length < 3 || line[1] != ':') continue;
            var name = line.Substring(2).Trim();
            bool prefix = name.EndsWith("*", StringComparison.Ordinal);
            if (prefix) name = name.Substring(0, name.Length - 1);
            switch (char.ToUpperInvariant(line[0]))
            {
                case 'N': _namespaces.Add(name); break;
                case 'T': (prefix ? _typePrefixes : null)?.Add(name); if (!prefix) _types.Add(name); break;
                case 'M': case 'P': case 'F': case 'E': (prefix ? _memberPrefixes : null)?.Add(name); if (!prefix) _members.Add(name); break;
            }
        }
    }

    private static readonly char[] LineBreaks = { '\n', '\r' };

    public string ModelNamespace { get; }

    public static IEnumerable<string> ParseLines(string text) =>
        text.Split(LineBreaks, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The type belongs to the reference model.</summary>
    public bool IsModelType(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = (t as IArrayTypeSymbol)?.ElementType)
        {
            if (t is IArrayTypeSymbol) continue;
            return t.IsInNamespace(ModelNamespace);
        }
        return false;
    }

    public bool IsAllowedType(ITypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Enum) return true;
        if (!type.IsInNamespace(ModelNamespace)) return true;
        foreach (var t in OuterTypes(type))
        {
            var full = t.FullTypeName();
            if (_types.Contains(full) || _typePrefixes.Any(p => full.StartsWith(p, StringComparison.Ordinal))) return true;
        }
        var ns = type.NamespaceName();
        return _namespaces.Any(n => ns == n || ns.StartsWith(n + ".", StringComparison.Ordinal));
    }

    /// <summary>The member (with its containing type) is part of the architected surface, or not of the model at all.</summary>
    public bool IsAllowedMember(ISymbol member)
    {
        var type = member.ContainingType;
        if (type is null || !type.IsInNamespace(ModelNamespace)) return true;
        if (IsAllowedType(type)) return true;
        var full = member.FullMemberName();
        if (_members.Contains(full) || _memberPrefixes.Any(p => full.StartsWith(p, StringComparison.Ordinal))) return true;
        // the accessor of an allowed property, the backing type of an allowed nested record
        if (member is IMethodSymbol { AssociatedSymbol: { } assoc } && _members.Contains(assoc.FullMemberName())) return true;
        return false;
    }

    private static IEnumerable<ITypeSymbol> OuterTypes(ITypeSymbol type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.ContainingType) yield return t;
    }
}
