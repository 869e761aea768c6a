using Conformance.Reference.Devices;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Platform;

/// <summary>What <see cref="PlatformBuilder"/> built: the machine, the topology it came from, and typed access to the functions.</summary>
public sealed class SimulatedPlatform(Machine machine, TopologySpec topology)
{
    public Machine Machine { get; } = machine;
    public TopologySpec Topology { get; } = topology;

    public IEnumerable<PciFunction> Functions => Machine.Pci.Functions;

    public IEnumerable<DmaTestDevice> Devices => Functions.OfType<DmaTestDevice>();

    /// <summary>The function at <paramref name="bdf"/>; throws if the topology has none there (API misuse).</summary>
    public PciFunction Function(Bdf bdf) => Machine.Pci.Function(bdf) ?? throw new KeyNotFoundException($"no function {bdf} in the topology");

    public PciFunction Function(string bdf) => Function(Bdf.Parse(bdf));

    /// <summary>The DMA test device at <paramref name="bdf"/>; throws if that function is not one.</summary>
    public DmaTestDevice Device(Bdf bdf) => Function(bdf) as DmaTestDevice
        ?? throw new InvalidOperationException($"{bdf} is a {Function(bdf).Kind.ToName()}, not a DMA test device");

    public DmaTestDevice Device(string bdf) => Device(Bdf.Parse(bdf));

    public PciBridge Bridge(Bdf bdf) => Function(bdf) as PciBridge
        ?? throw new InvalidOperationException($"{bdf} is not a bridge");
}
