namespace Conformance.Analyzers;

/// <summary>Rule categories: the seed's arguments the rules make mechanical.</summary>
public static class RuleCategories
{
    /// <summary>Isolation knowledge belongs to the platform (groups, PEs), not to adapter heuristics.</summary>
    public const string Isolation = "Isolation";
    /// <summary>The contract is neutral: what differs between platforms is asked, as capabilities.</summary>
    public const string Portability = "Portability";
    /// <summary>Hardware answers errors with values (all-ones, return codes, frozen PEs) that must be looked at.</summary>
    public const string Reliability = "Reliability";
    /// <summary>Adapters program the model only through its architected interface.</summary>
    public const string Honesty = "Honesty";
}
