using Conformance.Reference.Groups.Quirks;

namespace Conformance.Scenarios.Tests;

/// <summary>
/// The generator's quirked parts were transcribed from drivers/pci/quirks.c independently of the grouping code's quirk
/// tables; both must name the same devices, or the generator would exercise quirks the model does not have (or the
/// model would carry IDs the kernel does not).
/// </summary>
public class QuirkIdsTests
{
    private static readonly LinuxQuirks Linux = LinuxQuirks.Linux612;

    private static bool InAcsTable(ushort vendor, ushort device, AcsQuirkRule rule) =>
        Linux.Acs.Any(e => e.Vendor == vendor && e.Rule == rule && (e.Device is null || e.Device == device));

    private static bool InAliasTable(ushort vendor, ushort device, DmaAliasRule rule) =>
        Linux.DmaAlias.Any(e => e.Vendor == vendor && e.Device == device && e.Rule == rule);

    [Fact]
    public void Every_quirked_id_the_generator_uses_is_in_the_grouping_codes_linux_tables()
    {
        var missing = new List<string>();
        foreach (ushort id in QuirkIds.IntelPchRootPorts)
        {
            if (!InAcsTable(QuirkIds.Intel, id, AcsQuirkRule.IntelPchRootPort) || !Linux.RuleMatchesDevice(AcsQuirkRule.IntelPchRootPort, id)) missing.Add($"Intel PCH root port {id:x4}");
        }
        foreach (ushort id in QuirkIds.IntelSptRootPorts)
        {
            if (!Linux.RuleMatchesDevice(AcsQuirkRule.IntelSptPchRootPort, id)) missing.Add($"Intel SPT root port {id:x4}");
        }
        foreach (var (v, d) in QuirkIds.AmdSouthbridge.Where(x => !InAcsTable(x.Vendor, x.Device, AcsQuirkRule.AmdSouthbridge))) missing.Add($"AMD southbridge {v:x4}:{d:x4}");
        foreach (var (v, d) in QuirkIds.MfEndpointAcs.Where(x => !InAcsTable(x.Vendor, x.Device, AcsQuirkRule.MultifunctionEndpoint))) missing.Add($"mf endpoint {v:x4}:{d:x4}");
        foreach (var (v, d) in QuirkIds.DmaAliasFunc0.Where(x => !InAliasTable(x.Vendor, x.Device, DmaAliasRule.Func0))) missing.Add($"func0 alias {v:x4}:{d:x4}");
        foreach (var (v, d) in QuirkIds.DmaAliasFunc1.Where(x => !InAliasTable(x.Vendor, x.Device, DmaAliasRule.Func1))) missing.Add($"func1 alias {v:x4}:{d:x4}");
        foreach (var (v, d) in QuirkIds.PcieBridgeAlias.Where(x => !InAliasTable(x.Vendor, x.Device, DmaAliasRule.PcieBridgeAlias))) missing.Add($"PCIe bridge alias {v:x4}:{d:x4}");
        foreach (ushort id in QuirkIds.IntelVmd.Where(id => !Linux.VmdDeviceIds.Contains(id))) missing.Add($"VMD {id:x4}");
        Assert.True(missing.Count == 0, "not in the grouping code's Linux 6.12 tables: " + string.Join(", ", missing));
    }

    [Fact]
    public void Parts_the_generator_treats_as_unquirked_are_in_no_quirk_table()
    {
        // Gemini Lake PCH ports (31d8-31e3) and the BCM57416 (14e4:16d8) are generated as the "no ACS, no quirk" cases.
        for (ushort id = 0x31d8; id <= 0x31e3; id++)
        {
            Assert.False(Linux.RuleMatchesDevice(AcsQuirkRule.IntelPchRootPort, id), $"{id:x4}");
            Assert.False(Linux.RuleMatchesDevice(AcsQuirkRule.IntelSptPchRootPort, id), $"{id:x4}");
        }
        Assert.False(InAcsTable(QuirkIds.Broadcom, 0x16d8, AcsQuirkRule.MultifunctionEndpoint));
    }
}
