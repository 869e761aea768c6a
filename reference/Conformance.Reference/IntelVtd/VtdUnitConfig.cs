using Conformance.Reference.Pci;
using Conformance.Reference.Text;

namespace Conformance.Reference.IntelVtd;

/// <summary>
/// One DMAR unit (ACPI DMAR table, DRHD structure) as a vector's <c>units[]</c> entry describes it
/// (formats.md §4): its register base, the widths it reports in CAP, the placement of its fault recording and
/// IOTLB registers, and its device scope (empty = INCLUDE_PCI_ALL).
/// </summary>
public sealed record VtdUnitConfig
{
    public required string Id { get; init; }
    public required ulong MmioBase { get; init; }
    /// <summary>MGAW: maximum guest (input) address width, 39, 48 or 57.</summary>
    public int AddressWidth { get; init; } = 48;
    /// <summary>Host address width: output addresses and table pointers above it are reserved bits.</summary>
    public int HostAddressWidth { get; init; } = 48;
    /// <summary>CAP.SAGAW bit field (bit 1 = 39-bit/3-level, bit 2 = 48-bit/4-level, bit 3 = 57-bit/5-level).</summary>
    public int Sagaw { get; init; } = 0b0110;
    /// <summary>Scalable-mode translation (ECAP.SMTS). Not modelled yet: must be false.</summary>
    public bool Scalable { get; init; }
    /// <summary>Interrupt remapping (ECAP.IR, with EIM).</summary>
    public bool InterruptRemapping { get; init; } = true;
    /// <summary>Byte offset of the first fault recording register (CAP.FRO * 16).</summary>
    public int FaultRecordingOffset { get; init; } = 0x220;
    /// <summary>Number of fault recording registers (CAP.NFR + 1).</summary>
    public int FaultRecordingCount { get; init; } = 4;
    /// <summary>Byte offset of the IOTLB register block (ECAP.IRO * 16).</summary>
    public int IotlbRegisterOffset { get; init; } = 0xf0;
    /// <summary>Device scope; empty means the unit serves every device (INCLUDE_PCI_ALL).</summary>
    public IReadOnlyList<Bdf> Scope { get; init; } = [];

    /// <summary>The SAGAW default of formats.md §4: every supported level count whose width is at most <paramref name="aw"/>.</summary>
    public static int DefaultSagaw(int aw) => (aw >= 39 ? 0b0010 : 0) | (aw >= 48 ? 0b0100 : 0) | (aw >= 57 ? 0b1000 : 0);

    /// <summary>Checks the configuration is one the model can build; throws <see cref="ArgumentException"/> otherwise (API misuse).</summary>
    public void Validate()
    {
        string? why = Problem();
        if (why is not null) throw new ArgumentException($"VT-d unit {Id}: {why}");
    }

    internal string? Problem()
    {
        if (AddressWidth is not (39 or 48 or 57)) return $"aw must be 39, 48 or 57 (was {AddressWidth})";
        if (HostAddressWidth is < 32 or > 52) return $"haw must be 32..52 (was {HostAddressWidth})";
        if (Sagaw == 0 || (Sagaw & ~0b1110) != 0) return $"sagaw 0x{Sagaw:x} must set only bits 1 (39-bit), 2 (48-bit), 3 (57-bit)";
        if ((Sagaw & 0b1000) != 0 && AddressWidth < 57) return "sagaw bit 3 (57-bit, 5-level) needs aw 57";
        if ((Sagaw & 0b0100) != 0 && AddressWidth < 48) return "sagaw bit 2 (48-bit, 4-level) needs aw 48 or more";
        if (Scalable) return "scalable mode is not modelled yet (ECAP.SMTS=0): \"scalable\" must be false";
        if (FaultRecordingCount is < 1 or > 256) return $"nfr must be 1..256 (was {FaultRecordingCount})";
        if ((FaultRecordingOffset & 0xf) != 0 || FaultRecordingOffset < 0xc0 || FaultRecordingOffset + 16 * FaultRecordingCount > VtdRegisterOffsets.BlockSize)
            return $"fro 0x{FaultRecordingOffset:x} with nfr {FaultRecordingCount} must be 16-byte aligned, at or above 0xc0 and end inside the 4 KiB register page";
        if ((IotlbRegisterOffset & 0xf) != 0 || IotlbRegisterOffset < 0xc0 || IotlbRegisterOffset + 16 > VtdRegisterOffsets.BlockSize)
            return $"iro 0x{IotlbRegisterOffset:x} must be 16-byte aligned, at or above 0xc0 and inside the 4 KiB register page";
        if (IotlbRegisterOffset + 16 > FaultRecordingOffset && FaultRecordingOffset + 16 * FaultRecordingCount > IotlbRegisterOffset)
            return $"the IOTLB registers at 0x{IotlbRegisterOffset:x} overlap the fault recording registers at 0x{FaultRecordingOffset:x}";
        return null;
    }

    /// <summary>
    /// Reads a vector's whole <c>units</c> array and checks the units fit together as a DMAR table would: unique ids,
    /// non-overlapping register pages, at most one unit without scope (INCLUDE_PCI_ALL), no function in two scopes.
    /// </summary>
    public static IReadOnlyList<VtdUnitConfig> ReadAll(JsonValue units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var list = new List<VtdUnitConfig>();
        VtdUnitConfig? catchAll = null;
        var scoped = new Dictionary<Bdf, string>();
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
                if (catchAll is not null) throw item.Error($"units {catchAll.Id} and {u.Id} both have no scope: only one unit may serve every device (INCLUDE_PCI_ALL)");
                catchAll = u;
            }
            foreach (var bdf in u.Scope)
            {
                if (!scoped.TryAdd(bdf, u.Id)) throw item.Require("scope").Error($"{bdf} is in the scope of both {scoped[bdf]} and {u.Id}");
            }
            list.Add(u);
        }
        return list;
    }

    /// <summary>
    /// Reads a vector's <c>units[]</c> entry: <c>id</c>, <c>mmio</c>, <c>aw</c>, <c>haw</c>, <c>sagaw</c>,
    /// <c>scalable</c>, <c>ir</c>, <c>fro</c>, <c>nfr</c>, <c>iro</c>, <c>scope</c>. Errors carry the field's position.
    /// </summary>
    public static VtdUnitConfig Read(JsonValue unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Kind != JsonKind.Object) throw unit.Error($"a VT-d unit must be an object, found {unit.Describe()}");
        unit.AllowOnly("id", "mmio", "aw", "haw", "sagaw", "scalable", "ir", "fro", "nfr", "iro", "scope");
        string id = unit.Require("id").AsString();
        if (id.Length == 0) throw unit.Require("id").Error("unit id must not be empty");
        var mmioValue = unit.Require("mmio");
        ulong mmio = mmioValue.AsUInt64();
        if ((mmio & 0xfff) != 0) throw mmioValue.Error($"mmio 0x{mmio:x} must be 4 KiB aligned");

        var awValue = unit.Get("aw");
        int aw = awValue is null ? 48 : awValue.AsInt(0, 64);
        if (aw is not (39 or 48 or 57)) throw awValue!.Error($"aw must be 39, 48 or 57 (was {aw})");

        var hawValue = unit.Get("haw");
        int haw = hawValue is null ? Math.Min(aw, 52) : hawValue.AsInt(32, 52);

        var sagawValue = unit.Get("sagaw");
        int sagaw = sagawValue is null ? DefaultSagaw(aw) : sagawValue.AsInt(0, 0x1f);

        bool scalable = false;
        var scalableValue = unit.Get("scalable");
        if (scalableValue is not null && scalableValue.AsBool())
            throw scalableValue.Error("scalable-mode translation is not modelled yet (the unit reports ECAP.SMTS=0); use \"scalable\": false");

        bool ir = unit.Get("ir")?.AsBool() ?? true;
        var froValue = unit.Get("fro");
        int fro = froValue is null ? 0x220 : froValue.AsInt(0, 0xfff);
        var nfrValue = unit.Get("nfr");
        int nfr = nfrValue is null ? 4 : nfrValue.AsInt(1, 256);
        var iroValue = unit.Get("iro");
        int iro = iroValue is null ? 0xf0 : iroValue.AsInt(0, 0xfff);

        var scope = new List<Bdf>();
        var scopeValue = unit.Get("scope");
        if (scopeValue is not null)
        {
            foreach (var item in scopeValue.Items)
            {
                if (!Bdf.TryParse(item.AsString(), out var bdf)) throw item.Error($"\"{item.Text}\" is not a PCI address (dddd:bb:dd.f)");
                scope.Add(bdf);
            }
        }

        var config = new VtdUnitConfig
        {
            Id = id, MmioBase = mmio, AddressWidth = aw, HostAddressWidth = haw, Sagaw = sagaw, Scalable = scalable,
            InterruptRemapping = ir, FaultRecordingOffset = fro, FaultRecordingCount = nfr, IotlbRegisterOffset = iro, Scope = scope,
        };
        string? problem = config.Problem();
        if (problem is not null)
        {
            var at = problem.StartsWith("sagaw", StringComparison.Ordinal) ? sagawValue ?? unit
                : problem.StartsWith("fro", StringComparison.Ordinal) || problem.StartsWith("nfr", StringComparison.Ordinal) ? froValue ?? nfrValue ?? unit
                : problem.StartsWith("iro", StringComparison.Ordinal) || problem.StartsWith("the IOTLB", StringComparison.Ordinal) ? iroValue ?? unit
                : unit;
            throw at.Error(problem);
        }
        return config;
    }
}
