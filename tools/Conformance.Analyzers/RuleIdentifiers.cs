namespace Conformance.Analyzers;

/// <summary>
/// The stable IDs of the kit's policy rules. An ID is never reused or renumbered; a retired rule keeps its ID
/// and its page under <c>docs/rules/</c>.
/// </summary>
public static class RuleIdentifiers
{
    public const string TopologyHeuristic = "DAK001";
    public const string DeviceGranularOwnership = "DAK002";
    public const string PlatformConstantInNeutralCode = "DAK003";
    public const string MappingWithoutCapability = "DAK004";
    public const string IgnoredErrorState = "DAK005";
    public const string ModelInternals = "DAK006";
    public const string UnmapWithoutInvalidation = "DAK007";

    /// <summary>
    /// Where each rule's page lives, relative to the repository root (the kit has no public web address yet;
    /// when it does, only this constant changes, and the test that checks every help link follows it).
    /// </summary>
    public const string HelpLinkBase = "docs/rules/";

    public static string GetHelpUri(string id) => HelpLinkBase + id + ".md";
}
