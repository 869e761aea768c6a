using Conformance.Reference.Platform;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Vectors;

/// <summary>
/// How a hardware family plugs into the vector runner: it validates its <c>units</c> while the file is parsed
/// (so a malformed file is rejected before anything runs) and then attaches its units to a fresh machine.
/// </summary>
public interface IVectorPlatform
{
    /// <summary>The <c>platform</c> value of vector files it serves.</summary>
    string Name { get; }

    /// <summary>Parses and validates the <c>units</c> array (null when absent); throws <see cref="InputException"/>.</summary>
    object? ReadUnits(JsonValue? units, TopologySpec topology);

    /// <summary>Whether CPU addresses equal PCI bus addresses (x86 host bridges). POWER PHBs translate them instead.</summary>
    bool IdentityHostWindows => true;

    /// <summary>Validates a platform-specific step (e.g. an <c>opal</c> call name) at parse time.</summary>
    void ValidateStep(VectorStep step) { }

    /// <summary>Builds the platform's units into <paramref name="machine"/> and returns the per-vector session.</summary>
    IVectorSession Attach(Machine machine, object? config, TopologySpec topology);
}

/// <summary>Platform-specific steps of one running vector.</summary>
public interface IVectorSession
{
    /// <summary>Runs a firmware call (POWER OPAL). Returns false when the platform has no firmware interface.</summary>
    bool TryFirmwareCall(string call, IReadOnlyList<ulong> args, out long rc, out IReadOnlyList<ulong> outs)
    {
        rc = 0;
        outs = [];
        _ = call; _ = args;
        return false;
    }
}

/// <summary>Platform <c>none</c>: no IOMMU; DMA goes straight to memory (<see cref="DirectBridge"/>).</summary>
public sealed class NonePlatform : IVectorPlatform
{
    public string Name => "none";

    public object? ReadUnits(JsonValue? units, TopologySpec topology)
    {
        if (units is not null && units.Items.Count > 0)
            throw units.Items[0].Error("platform \"none\" has no IOMMU or PHB units");
        return null;
    }

    public IVectorSession Attach(Machine machine, object? config, TopologySpec topology)
    {
        machine.Bridge = new DirectBridge();
        return new Session();
    }

    private sealed class Session : IVectorSession;
}
