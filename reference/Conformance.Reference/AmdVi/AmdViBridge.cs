using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Conformance.Reference.AmdVi;

/// <summary>
/// The platform "amd-vi" (ACPI IVRS): each request goes to the IOMMU whose scope holds the requester; a unit
/// without scope serves every requester no other unit claims. A requester no unit serves is not translated.
/// </summary>
public sealed class AmdViBridge : IIoBridge
{
    private readonly Dictionary<(int Segment, ushort Rid), AmdViUnit> _scoped = new();
    private readonly AmdViUnit? _all;
    private readonly DirectBridge _none = new();

    public AmdViBridge(IReadOnlyList<AmdViUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        Units = units;
        foreach (var u in units)
        {
            if (u.Config.Scope.Count == 0)
            {
                if (_all is not null) throw new ArgumentException($"units {_all.Id} and {u.Id} both have no scope");
                _all = u;
                continue;
            }
            foreach (var bdf in u.Config.Scope)
                if (!_scoped.TryAdd((bdf.Segment, bdf.RequesterId), u)) throw new ArgumentException($"{bdf} is in the scope of two units");
        }
    }

    public string Platform => "amd-vi";
    public IReadOnlyList<AmdViUnit> Units { get; }

    public AmdViUnit? UnitFor(int segment, ushort requesterId) =>
        _scoped.TryGetValue((segment, requesterId), out var u) ? u : _all;

    public AmdViUnit? UnitFor(Bdf bdf) => UnitFor(bdf.Segment, bdf.RequesterId);

    public DmaTranslation Translate(in DmaRequest request) =>
        UnitFor(request.Segment, request.RequesterId) is { } u ? u.Translate(request) : _none.Translate(request);

    public InterruptOutcome Remap(in MsiRequest request) =>
        UnitFor(request.Segment, request.RequesterId) is { } u ? u.Remap(request) : _none.Remap(request);
}

/// <summary>Builds the AMD-Vi platform on a machine: one <see cref="AmdViUnit"/> per configured IOMMU.</summary>
public static class AmdViPlatform
{
    /// <summary>Creates the units, maps each 16 KiB aperture at its base, and makes an <see cref="AmdViBridge"/> the machine's IO bridge.</summary>
    public static AmdViBridge Attach(Machine machine, IReadOnlyList<AmdViUnitConfig> units)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(units);
        var built = new List<AmdViUnit>(units.Count);
        foreach (var config in units)
        {
            var unit = new AmdViUnit(config, machine.Memory, machine.Interrupts);
            machine.AddUnit(config.Id, config.MmioBase, AmdViRegisterOffsets.BlockSize, unit);
            built.Add(unit);
        }
        var bridge = new AmdViBridge(built);
        machine.Bridge = bridge;
        return bridge;
    }
}
