using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Scenarios;

/// <summary>What kind of bus a <see cref="BusNode"/> is; it decides which device numbers may appear on it.</summary>
public enum BusKind
{
    /// <summary>A host bridge's root bus: up to 32 devices.</summary>
    Root,
    /// <summary>The link below a root or downstream port: only device 0 (PCIe Base §7.3.1, without ARI).</summary>
    PcieLink,
    /// <summary>A switch's internal bus, below its upstream port: the downstream ports.</summary>
    SwitchInternal,
    /// <summary>A conventional PCI or PCI-X bus: up to 32 devices.</summary>
    Conventional,
}

/// <summary>One function placed on a bus; a bridge carries the bus below it.</summary>
public sealed record FunctionNode(byte Device, byte Function, DeviceSpec Spec, BusNode? Below)
{
    public byte DevFn => (byte)((Device << 3) | Function);
}

/// <summary>A bus under construction. Bus numbers are not known until <see cref="BusNumbering.Number"/> runs.</summary>
public sealed class BusNode(BusKind kind)
{
    private readonly List<FunctionNode> functions = [];

    public BusKind Kind { get; } = kind;

    public IReadOnlyList<FunctionNode> Functions => functions;

    public bool IsUsed(int device, int function) => functions.Any(f => f.Device == device && f.Function == function);

    public bool IsSlotUsed(int device) => functions.Any(f => f.Device == device);

    /// <summary>Places a function; <paramref name="below"/> is the secondary bus when <paramref name="spec"/> is a bridge.</summary>
    public FunctionNode Add(int device, int function, DeviceSpec spec, BusNode? below = null)
    {
        if (device is < 0 or > 31 || function is < 0 or > 7) throw new ArgumentOutOfRangeException(nameof(device), $"{device:x2}.{function} is not a device/function number");
        if (Kind == BusKind.PcieLink && device != 0) throw new ArgumentException($"a PCIe link carries only device 0, not {device:x2}", nameof(device));
        if (IsUsed(device, function)) throw new ArgumentException($"{device:x2}.{function} is already used on this bus", nameof(device));
        if (spec.Kind.IsBridge() != (below is not null)) throw new ArgumentException($"{spec.Kind.ToName()} must {(spec.Kind.IsBridge() ? "" : "not ")}have a secondary bus", nameof(below));
        var node = new FunctionNode((byte)device, (byte)function, spec, below);
        functions.Add(node);
        return node;
    }
}

/// <summary>
/// Assigns bus numbers the way firmware enumerates (PCI-to-PCI Bridge Architecture 1.2 §5.1.1; PCI Firmware 3.x):
/// depth first, functions in device/function order, each bridge taking the next free bus number as its secondary bus
/// and, once its subtree is numbered, the highest number used below it as its subordinate bus.
/// </summary>
public static class BusNumbering
{
    /// <summary>Numbers <paramref name="bus"/> (which is bus <paramref name="busNumber"/> of <paramref name="segment"/>) and everything
    /// below it, appending the finished functions to <paramref name="output"/>. Returns the highest bus number used.</summary>
    public static int Number(BusNode bus, int segment, int busNumber, List<DeviceSpec> output)
    {
        if (busNumber is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(busNumber), $"bus {busNumber} is outside 0-255: the generator overran a segment");
        int last = busNumber;
        foreach (var fn in bus.Functions.OrderBy(f => f.DevFn))
        {
            bool multifunction = fn.Spec.Multifunction ?? bus.Functions.Count(f => f.Device == fn.Device) > 1;
            var spec = fn.Spec with { Bdf = new Bdf(segment, (byte)busNumber, fn.Device, fn.Function), Multifunction = multifunction };
            if (fn.Below is { } below)
            {
                int secondary = last + 1;
                last = Number(below, segment, secondary, output);
                spec = spec with { Secondary = (byte)secondary, Subordinate = (byte)last };
            }
            output.Add(spec);
        }
        return last;
    }

    /// <summary>How many bus numbers the subtree below <paramref name="bus"/> needs (not counting <paramref name="bus"/> itself).</summary>
    public static int BusesBelow(BusNode bus) => bus.Functions.Where(f => f.Below is not null).Sum(f => 1 + BusesBelow(f.Below!));

    public static int FunctionCount(BusNode bus) => bus.Functions.Sum(f => 1 + (f.Below is null ? 0 : FunctionCount(f.Below)));
}
