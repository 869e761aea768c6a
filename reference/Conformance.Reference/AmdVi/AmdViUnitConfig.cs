using Conformance.Reference.Pci;
using Conformance.Reference.Text;

namespace Conformance.Reference.AmdVi;

/// <summary>
/// One AMD IOMMU (ACPI IVRS IVHD block) as a vector's <c>units[]</c> entry describes it (formats.md §4):
/// <c>id</c>, <c>mmio</c> (16 KiB aperture), <c>levels</c> (host page-table levels reported in EFR.HATS: 4, 5 or 6),
/// <c>gt</c> (EFR.GTSup), <c>ga</c> (EFR.GASup: 128-bit IRTEs), and an optional <c>scope</c> (empty = every device, like IVHD "select all").
/// </summary>
public sealed record AmdViUnitConfig
{
    public required string Id { get; init; }
    public required ulong MmioBase { get; init; }
    public int Levels { get; init; } = 4;
    public bool GuestTranslation { get; init; }
    /// <summary>EFR.GASup: 128-bit IRTEs with Control.GAEn (legacy GA mode only: GAMSup=0, no guest virtual APIC).</summary>
    public bool GuestApic { get; init; }
    public IReadOnlyList<Bdf> Scope { get; init; } = [];

    public void Validate()
    {
        if (Problem() is { } why) throw new ArgumentException($"AMD-Vi unit {Id}: {why}");
    }

    internal string? Problem()
    {
        if (Levels is < 4 or > 6) return $"levels must be 4, 5 or 6 (EFR.HATS), was {Levels}";
        if ((MmioBase & (AmdViRegisterOffsets.BlockSize - 1)) != 0) return $"mmio 0x{MmioBase:x} must be 16 KiB aligned";
        return null;
    }

    /// <summary>Reads the whole <c>units</c> array: unique ids and apertures, at most one unit without scope, no device in two scopes.</summary>
    public static IReadOnlyList<AmdViUnitConfig> ReadAll(JsonValue units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var list = new List<AmdViUnitConfig>();
        var scoped = new Dictionary<Bdf, string>();
        AmdViUnitConfig? all = null;
        foreach (var item in units.Items)
        {
            var u = Read(item);
            foreach (var other in list)
            {
                if (other.Id == u.Id) throw item.Require("id").Error($"unit id \"{u.Id}\" is used twice");
                if (other.MmioBase == u.MmioBase) throw item.Require("mmio").Error($"unit {u.Id}'s registers at 0x{u.MmioBase:x} overlap unit {other.Id}'s");
            }
            if (u.Scope.Count == 0)
            {
                if (all is not null) throw item.Error($"units {all.Id} and {u.Id} both have no scope: only one unit may serve every device");
                all = u;
            }
            foreach (var bdf in u.Scope)
                if (!scoped.TryAdd(bdf, u.Id)) throw item.Require("scope").Error($"{bdf} is in the scope of both {scoped[bdf]} and {u.Id}");
            list.Add(u);
        }
        return list;
    }

    public static AmdViUnitConfig Read(JsonValue unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Kind != JsonKind.Object) throw unit.Error($"an AMD-Vi unit must be an object, found {unit.Describe()}");
        unit.AllowOnly("id", "mmio", "levels", "gt", "ga", "scope");
        string id = unit.Require("id").AsString();
        if (id.Length == 0) throw unit.Require("id").Error("unit id must not be empty");
        var mmioValue = unit.Require("mmio");
        ulong mmio = mmioValue.AsUInt64();
        if ((mmio & (AmdViRegisterOffsets.BlockSize - 1)) != 0) throw mmioValue.Error($"mmio 0x{mmio:x} must be 16 KiB aligned");
        int levels = unit.Get("levels")?.AsInt(4, 6) ?? 4;
        bool gt = unit.Get("gt")?.AsBool() ?? false;
        bool ga = unit.Get("ga")?.AsBool() ?? false;
        var scope = new List<Bdf>();
        if (unit.Get("scope") is { } scopeValue)
        {
            foreach (var item in scopeValue.Items)
            {
                if (!Bdf.TryParse(item.AsString(), out var bdf)) throw item.Error($"\"{item.Text}\" is not a PCI address (dddd:bb:dd.f)");
                scope.Add(bdf);
            }
        }
        return new AmdViUnitConfig { Id = id, MmioBase = mmio, Levels = levels, GuestTranslation = gt, GuestApic = ga, Scope = scope };
    }
}
