using Microsoft.CodeAnalysis;

namespace Conformance.Analyzers;

/// <summary>The descriptors of every rule, in one place so the docs test can walk them.</summary>
public static class Descriptors
{
    private static DiagnosticDescriptor Rule(string id, string title, string message, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description, RuleIdentifiers.GetHelpUri(id));

    public static readonly DiagnosticDescriptor TopologyHeuristic = Rule(
        RuleIdentifiers.TopologyHeuristic,
        "Isolation decided from topology instead of the platform's groups",
        "'{0}' is used to decide {1}; isolation and grouping come from the platform's groups, not from bus numbers, bridges, slots or ACS bits",
        RuleCategories.Isolation, DiagnosticSeverity.Warning,
        "Adapters consume isolation groups (PEs on POWER) computed by the platform from DMA aliases, the ACS path, multifunction rules and quirks. Re-deriving them from bus numbers, bridge windows, slot numbers or ACS bits is the 'magic heuristic in libvirt' the seed argues against.");

    public static readonly DiagnosticDescriptor DeviceGranularOwnership = Rule(
        RuleIdentifiers.DeviceGranularOwnership,
        "Ownership handled per device instead of per group",
        "{0}",
        RuleCategories.Isolation, DiagnosticSeverity.Warning,
        "The unit of ownership is the isolation group (a PE on POWER): every device of a group is attached, reset and handed over together, and never spread across owners.");

    public static readonly DiagnosticDescriptor PlatformConstant = Rule(
        RuleIdentifiers.PlatformConstantInNeutralCode,
        "One platform's constant in platform-neutral adapter code",
        "{0} in platform-neutral code; ask the capability instead ({1})",
        RuleCategories.Portability, DiagnosticSeverity.Warning,
        "Platform-neutral adapter code must not assume x86's 0xFEE00000 interrupt window, a 4 KiB IO page, a full 64-bit IOVA space or VT-d register offsets. Code in a platform namespace (IntelVtd, AmdVi, Power, ...) or a type marked [PlatformSpecific] is exempt.");

    public static readonly DiagnosticDescriptor MappingWithoutCapability = Rule(
        RuleIdentifiers.MappingWithoutCapability,
        "MSI-X table or shared sub-page BAR mapped without the capability",
        "{0} is mapped without checking '{1}'",
        RuleCategories.Isolation, DiagnosticSeverity.Warning,
        "Mapping the MSI-X table, or a BAR smaller than a page that may share its page with another device, is allowed only where the platform says so (POWER: the bridge validates MSIs and MMIO is segmented per PE). The mapping must be guarded by the capability that permits it.");

    public static readonly DiagnosticDescriptor IgnoredErrorState = Rule(
        RuleIdentifiers.IgnoredErrorState,
        "Error state ignored",
        "{0}",
        RuleCategories.Reliability, DiagnosticSeverity.Warning,
        "Hardware reports errors as values: an all-ones read (master abort, frozen PE), a firmware or hypercall return code, a failed table write, a contract result. Each must be looked at before the value is used.");

    public static readonly DiagnosticDescriptor ModelInternals = Rule(
        RuleIdentifiers.ModelInternals,
        "Reference model used beyond its architected interface",
        "'{0}' is not part of the model's architected interface ({1})",
        RuleCategories.Honesty, DiagnosticSeverity.Warning,
        "Adapters program the simulated machine only through memory, MMIO, firmware calls and platform facts. Reaching into the model's objects, directly, through reflection or through UnsafeAccessor, makes the suite's verdict meaningless.");

    public static readonly DiagnosticDescriptor UnmapWithoutInvalidation = Rule(
        RuleIdentifiers.UnmapWithoutInvalidation,
        "Translation entry cleared without invalidation",
        "'{0}' clears a translation entry, and a path from here returns from '{1}' without an invalidation",
        RuleCategories.Isolation, DiagnosticSeverity.Warning,
        "After clearing a page-table entry, context entry or TCE the IOMMU may still hold the old translation in its IOTLB or TCE cache. Every path that returns after the clear must issue the platform's invalidation (and wait for it) first.");
}
