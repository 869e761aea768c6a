using System.Reflection;
using Conformance.Adapters;
using Conformance.Adapters.Broken;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.Power;

namespace Conformance.Adapters.Broken.Tests;

/// <summary>One broken variant as its attributes describe it.</summary>
public sealed record Variant(Type Type)
{
    public string Name => Type.Name;
    public IReadOnlyList<string> Breaks => Type.GetCustomAttributes<BreaksRequirementAttribute>().Select(a => a.Requirement).ToList();
    public IReadOnlyList<UnseenBySuiteAttribute> Unseen => Type.GetCustomAttributes<UnseenBySuiteAttribute>().ToList();
    public IReadOnlyList<string> ExpectedIds => Type.GetCustomAttributes<ExpectedDiagnosticAttribute>().Select(a => a.Id).Order(StringComparer.Ordinal).ToList();
    public StaticallyInvisibleAttribute? Invisible => Type.GetCustomAttribute<StaticallyInvisibleAttribute>();

    public IAdapterFactory Create() => (IAdapterFactory)Activator.CreateInstance(Type)!;

    /// <summary>The correct reference adapter the variant is made from: the control.</summary>
    public IAdapterFactory Control() =>
        typeof(VtdAdapterFactory).IsAssignableFrom(Type) ? new VtdAdapterFactory()
        : typeof(Conformance.Adapters.AmdVi.AmdViAdapterFactory).IsAssignableFrom(Type) ? new Conformance.Adapters.AmdVi.AmdViAdapterFactory()
        : typeof(SpaprAdapterFactory).IsAssignableFrom(Type) ? new SpaprAdapterFactory()
        : throw new InvalidOperationException($"{Type.Name}: no reference adapter known for its base type {Type.BaseType}");

    public override string ToString() => Name;
}

/// <summary>Every variant in the broken project, found by its attributes, so a new variant cannot be forgotten.</summary>
public static class Variants
{
    public static Assembly Assembly => typeof(BreaksRequirementAttribute).Assembly;

    public static IReadOnlyList<Variant> All { get; } = Assembly.GetTypes()
        .Where(t => t.IsDefined(typeof(BreaksRequirementAttribute)) || t.IsDefined(typeof(UnseenBySuiteAttribute))
                    || t.IsDefined(typeof(ExpectedDiagnosticAttribute)) || t.IsDefined(typeof(StaticallyInvisibleAttribute)))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .Select(t => new Variant(t))
        .ToList();

    public static Variant Named(string name) => All.Single(v => v.Name == name);

    /// <summary>(variant, requirement) for every requirement a variant breaks.</summary>
    public static TheoryData<string, string> Broken()
    {
        var data = new TheoryData<string, string>();
        foreach (var v in All) foreach (var r in v.Breaks) data.Add(v.Name, r);
        return data;
    }

    /// <summary>(variant, requirement) for every requirement whose check a variant passes although its defect is real.</summary>
    public static TheoryData<string, string> UnseenBySuite()
    {
        var data = new TheoryData<string, string>();
        foreach (var v in All) foreach (var u in v.Unseen) data.Add(v.Name, u.Requirement);
        return data;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var v in All) data.Add(v.Name);
        return data;
    }
}
