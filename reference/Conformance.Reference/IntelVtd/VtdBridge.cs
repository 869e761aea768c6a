using Conformance.Reference.Interrupts;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// The platform "intel-vtd" (ACPI DMAR, VT-d spec §8.3): each request goes to the DMAR unit whose device scope
/// holds the requester; a unit without scope (INCLUDE_PCI_ALL) serves every requester no other unit claims. A
/// requester no unit serves is not remapped at all.
/// </summary>
public sealed class VtdBridge : IIoBridge
{
    private readonly VtdUnit?[] _segment0 = new VtdUnit?[65536];
    private readonly Dictionary<(int Segment, ushort Rid), VtdUnit> _other = new();
    private readonly VtdUnit? _catchAll;
    private readonly DirectBridge _none = new();

    public VtdBridge(IReadOnlyList<VtdUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        Units = units;
        foreach (var u in units)
        {
            if (u.Config.Scope.Count == 0)
            {
                if (_catchAll is not null) throw new ArgumentException($"units {_catchAll.Id} and {u.Id} both have no scope (INCLUDE_PCI_ALL)");
                _catchAll = u;
                continue;
            }
            foreach (var bdf in u.Config.Scope)
            {
                if (bdf.Segment == 0)
                {
                    if (_segment0[bdf.RequesterId] is { } other && other != u)
                        throw new ArgumentException($"{bdf} is in the scope of both {other.Id} and {u.Id}");
                    _segment0[bdf.RequesterId] = u;
                }
                else if (!_other.TryAdd((bdf.Segment, bdf.RequesterId), u))
                    throw new ArgumentException($"{bdf} is in the scope of two units");
            }
        }
    }

    public string Platform => "intel-vtd";

    public IReadOnlyList<VtdUnit> Units { get; }

    /// <summary>The unit serving a requester, or null when none does.</summary>
    public VtdUnit? UnitFor(int segment, ushort requesterId)
    {
        if (segment == 0) return _segment0[requesterId] ?? _catchAll;
        return _other.TryGetValue((segment, requesterId), out var u) ? u : _catchAll;
    }

    public VtdUnit? UnitFor(Bdf bdf) => UnitFor(bdf.Segment, bdf.RequesterId);

    public DmaTranslation Translate(in DmaRequest request)
    {
        var unit = UnitFor(request.Segment, request.RequesterId);
        return unit is null ? _none.Translate(request) : unit.Translate(request);
    }

    public InterruptOutcome Remap(in MsiRequest request)
    {
        var unit = UnitFor(request.Segment, request.RequesterId);
        return unit is null ? _none.Remap(request) : unit.Remap(request);
    }
}

/// <summary>Builds the VT-d platform on a machine: one <see cref="VtdUnit"/> per configured DMAR unit.</summary>
public static class VtdPlatform
{
    /// <summary>Creates the units, maps each 4 KiB register page at its base, and makes a <see cref="VtdBridge"/> the machine's IO bridge.</summary>
    public static VtdBridge Attach(Machine machine, IReadOnlyList<VtdUnitConfig> units)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(units);
        var built = new List<VtdUnit>(units.Count);
        foreach (var config in units)
        {
            var unit = new VtdUnit(config, machine.Memory, machine.Interrupts);
            machine.AddUnit(config.Id, config.MmioBase, VtdRegisterOffsets.BlockSize, unit);
            built.Add(unit);
        }
        var bridge = new VtdBridge(built);
        machine.Bridge = bridge;
        return bridge;
    }
}
