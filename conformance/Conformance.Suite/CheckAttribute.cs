namespace Conformance.Suite;

/// <summary>
/// Marks a check of a spec requirement. The method must be static, take a <see cref="CheckContext"/> and return
/// Task or ValueTask. The generator turns each into a test named <c>ID__MethodName</c>; a requirement without a
/// check, or a check naming an unknown requirement, fails the build (CSPEC003/CSPEC004).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class CheckAttribute(string requirementId) : Attribute
{
    public string RequirementId { get; } = requirementId;
}

/// <summary>A generated binding of a check method to its requirement.</summary>
public sealed record CheckEntry(string RequirementId, string Name, Func<CheckContext, Task> Run);

/// <summary>Thrown by a check when the model shows the requirement is not met.</summary>
public sealed class CheckFailedException(string message) : Exception(message);

/// <summary>Thrown by a check when the adapter lacks what the check needs (it answered NotSupported).</summary>
public sealed class CheckNotSupportedException(string message, bool answeredByAdapter = false) : Exception(message)
{
    /// <summary>The adapter itself answered NotSupported (rather than the check finding the capability absent).</summary>
    public bool AnsweredByAdapter { get; } = answeredByAdapter;
}
