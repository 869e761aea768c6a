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
}

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
