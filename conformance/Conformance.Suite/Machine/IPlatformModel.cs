using Conformance.Adapters;
using Conformance.Adapters.Platform;
using Conformance.Reference.Platform;

namespace Conformance.Suite.Machine;

/// <summary>
/// Builds a platform's hardware into a scenario's machine: installs its IO bridge (IOMMU, PHB) and register blocks
/// and returns the units as platform facts.
/// </summary>
public interface IPlatformModel
{
    string Platform { get; }

    IReadOnlyList<UnitFacts> Install(Reference.Platform.Machine machine);

    /// <summary>When non-zero, each bus's BARs start on a boundary of this size (POWER: one M32 segment per PE).</summary>
    ulong BarSegment => 0;

    /// <summary>
    /// Installs the platform with the scenario's topology (BAR bases filled in) and its functions' BAR mappings.
    /// Returns the units, the platform's own groups (null: the computed isolation groups) and its firmware (or null).
    /// </summary>
    PlatformInstall Install(Reference.Platform.Machine machine, Reference.Topology.TopologySpec topology) => new(Install(machine), null, null);
}

/// <summary>What a platform model installed: units, groups it assigned (id, members) or null, firmware or null.</summary>
public sealed record PlatformInstall(IReadOnlyList<UnitFacts> Units, IReadOnlyList<(int Id, IReadOnlyList<Reference.Pci.Bdf> Members)>? Groups, object? Firmware);

/// <summary>An adapter factory for a platform the kit does not model itself brings its own model (used by tests).</summary>
public interface IProvidesPlatformModel
{
    IPlatformModel CreatePlatformModel();
}

/// <summary>The platforms the kit models.</summary>
public static class PlatformModels
{
    /// <summary>The model for <paramref name="factory"/>'s platform, or null when the kit has none.</summary>
    public static IPlatformModel? For(IAdapterFactory factory) => factory switch
    {
        IProvidesPlatformModel p => p.CreatePlatformModel(),
        _ when factory.Platform == "none" => new NoIommuPlatform(),
        _ when factory.Platform == "intel-vtd" => new IntelVtdPlatform(),
        _ when factory.Platform == "amd-vi" => new AmdViPlatformModel(),
        _ when factory.Platform == "power-phb" => new PowerPhbPlatform(),
        _ => null,
    };

    /// <summary>Platform <c>none</c>: no IOMMU (<see cref="DirectBridge"/>).</summary>
    public sealed class NoIommuPlatform : IPlatformModel
    {
        public string Platform => "none";

        public IReadOnlyList<UnitFacts> Install(Reference.Platform.Machine machine)
        {
            machine.Bridge = new DirectBridge();
            return [];
        }
    }
}
