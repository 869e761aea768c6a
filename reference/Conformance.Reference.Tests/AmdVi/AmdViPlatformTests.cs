using Conformance.Reference.AmdVi;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Text;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>The <c>amd-vi</c> unit JSON (formats.md §4) and the bridge's routing by IVHD scope.</summary>
public class AmdViPlatformTests
{
    [Fact]
    public void Unit_json_reads_levels_gt_and_scope_and_rejects_bad_fields_at_their_position()
    {
        var units = JsonValue.Parse("""[ { "id": "a", "mmio": "0xfeb80000", "levels": 6, "gt": true, "scope": ["0000:00:03.0"] }, { "id": "b", "mmio": "0xfeb84000" } ]""", "u.json");
        var list = AmdViUnitConfig.ReadAll(units);
        Assert.Equal((6, true, 1), (list[0].Levels, list[0].GuestTranslation, list[0].Scope.Count));
        Assert.Equal((4, false, 0), (list[1].Levels, list[1].GuestTranslation, list[1].Scope.Count));

        var bad = Assert.Throws<InputException>(() => AmdViUnitConfig.ReadAll(JsonValue.Parse("""[ { "id": "a", "mmio": "0xfeb81000" } ]""", "u.json")));
        Assert.Contains("16 KiB aligned", bad.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => AmdViUnitConfig.ReadAll(JsonValue.Parse("""[ { "id": "a", "mmio": "0xfeb80000", "levels": 7 } ]""", "u.json")));
        Assert.Throws<InputException>(() => AmdViUnitConfig.ReadAll(JsonValue.Parse("""[ { "id": "a", "mmio": "0xfeb80000", "aw": 48 } ]""", "u.json")));
        var two = Assert.Throws<InputException>(() => AmdViUnitConfig.ReadAll(JsonValue.Parse("""[ { "id": "a", "mmio": "0xfeb80000" }, { "id": "b", "mmio": "0xfeb84000" }, { "id": "c", "mmio": "0xfeb88000" } ]""", "u.json")));
        Assert.Contains("both have no scope", two.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bridge_routes_each_requester_to_the_unit_whose_scope_holds_it_else_to_the_unit_without_scope()
    {
        var machine = new Machine(new PhysicalMemory([new MemoryRegion(0, 1UL << 30)]));
        var scoped = new Bdf(0, 0, 3, 0);
        var bridge = AmdViPlatform.Attach(machine,
        [
            new AmdViUnitConfig { Id = "a", MmioBase = 0xFEB8_0000, Scope = [scoped] },
            new AmdViUnitConfig { Id = "b", MmioBase = 0xFEB8_4000 },
        ]);
        Assert.Equal("amd-vi", bridge.Platform);
        Assert.Equal("a", bridge.UnitFor(scoped)!.Id);
        Assert.Equal("b", bridge.UnitFor(new Bdf(0, 0, 4, 0))!.Id);
        // Unit a is enabled and its DTE for the scoped device has V=1 TV=0; unit b stays disabled.
        machine.CpuWrite(0xFEB8_0000, 8, 0x100_0000UL | 7);
        machine.CpuWrite(0xFEB8_0018, 8, 1);
        Assert.True(machine.Memory.TryWriteLe(0x100_0000 + scoped.RequesterId * 32UL, 8, 1));      // V=1, TV=0
        Assert.Equal("IO_PAGE_FAULT", machine.Dma(scoped, 0x1000, new byte[4], DmaDirection.Read).Event);
        Assert.Equal(DmaResultKind.Ok, machine.Dma(new Bdf(0, 0, 4, 0), 0x1000, new byte[4], DmaDirection.Read).Kind);
    }
}
