namespace Conformance.Adapters.Broken;

/// <summary>The requirement (spec/*.md) the variant breaks: run through the suite, it fails that requirement's check
/// where the correct reference adapter passes it.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BreaksRequirementAttribute(string requirement) : Attribute
{
    public string Requirement { get; } = requirement;
}

/// <summary>The policy rule (DAK00n, docs/rules/) expected to flag the variant's defect in the normal build.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ExpectedDiagnosticAttribute(string id) : Attribute
{
    public string Id { get; } = id;
}

/// <summary>No policy rule can see the variant's defect in the code; <see cref="Reason"/> says why. The build must
/// report no policy diagnostic for it.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StaticallyInvisibleAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}

/// <summary>
/// The converse: the suite's check for <see cref="Requirement"/> passes the variant although the defect is real, and
/// only the analyzer sees it (<see cref="Reason"/> says why the run cannot). If the suite learns to see it, the test
/// that holds this claim fails and the variant moves to <see cref="BreaksRequirementAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class UnseenBySuiteAttribute(string requirement, string reason) : Attribute
{
    public string Requirement { get; } = requirement;
    public string Reason { get; } = reason;
}
