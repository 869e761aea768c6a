namespace Conformance.Scenarios;

/// <summary>
/// Vendor/device IDs that Linux's PCI quirk tables name (drivers/pci/quirks.c, read at linux 6.12:
/// <c>pci_dev_acs_enabled[]</c>, <c>pci_quirk_intel_pch_acs_ids[]</c>, <c>pci_quirk_intel_spt_pch_acs_match</c>,
/// the <c>quirk_dma_func0_alias</c>/<c>quirk_dma_func1_alias</c>/<c>quirk_use_pcie_bridge_dma_alias</c> fixups) and the
/// VMD driver's ID table (drivers/pci/controller/vmd.c). The generator draws quirked devices from these lists so that
/// generated machines exercise the quirk paths of the isolation-group computation. These are facts, not the quirk logic.
/// </summary>
public static class QuirkIds
{
    public const ushort Intel = 0x8086, Amd = 0x1022, Ati = 0x1002, MarvellExt = 0x1b4b, Tti = 0x1103, Ricoh = 0x1180,
        ASMedia = 0x1b21, Tundra = 0x10e3, Ite = 0x1283, Solarflare = 0x1924, Broadcom = 0x14e4;

    /// <summary>Intel PCH root ports without a standard ACS capability whose isolation a quirk provides
    /// (<c>pci_quirk_intel_pch_acs_ids</c>: Ibexpeak 3b42-3b51, Cougarpoint 1c10-1c1f, Pantherpoint 1e10-1e1f, Lynxpoint-H 8c10-8c1f, ...).</summary>
    public static IReadOnlyList<ushort> IntelPchRootPorts { get; } =
        [.. Range(0x3b42, 0x3b51), .. Range(0x1c10, 0x1c1f), .. Range(0x1e10, 0x1e1f), .. Range(0x8c10, 0x8c1f), .. Range(0x9c10, 0x9c1b),
         .. Range(0x9c90, 0x9c9b), 0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e, .. Range(0x8d10, 0x8d1e),
         0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e];

    /// <summary>Intel Sunrise Point / Union Point / 7th-8th gen mobile PCH root ports: ACS implemented with dword-sized
    /// registers, so the control register is not where the spec puts it (<c>pci_quirk_intel_spt_pch_acs_match</c>).</summary>
    public static IReadOnlyList<ushort> IntelSptRootPorts { get; } =
        [.. Range(0xa110, 0xa11f), .. Range(0xa167, 0xa16a), .. Range(0xa290, 0xa29f), .. Range(0xa2e7, 0xa2ee), .. Range(0x9d10, 0x9d1b)];

    /// <summary>AMD/ATI southbridge functions on the root bus (SB600-SB900 1002:4385/439c/4383/439d/4384/4399, Hudson 1022:780f/7809):
    /// <c>pci_quirk_amd_sb_acs</c> reports RR|CR for these multifunction devices when an IVRS table exists.</summary>
    public static IReadOnlyList<(ushort Vendor, ushort Device)> AmdSouthbridge { get; } =
        [(Ati, 0x4385), (Ati, 0x439c), (Ati, 0x4383), (Ati, 0x439d), (Ati, 0x4384), (Ati, 0x4399), (Amd, 0x780f), (Amd, 0x7809)];

    /// <summary>Multifunction endpoints <c>pci_quirk_mf_endpoint_acs</c> declares isolated although they lack ACS
    /// (a selection: Intel 82599/X540/82576/I350/82580, Solarflare, Broadcom).</summary>
    public static IReadOnlyList<(ushort Vendor, ushort Device)> MfEndpointAcs { get; } =
        [(Intel, 0x10fb), (Intel, 0x1529), (Intel, 0x10c9), (Intel, 0x1521), (Intel, 0x1509), (Intel, 0x10a7), (Solarflare, 0x0903),
         (Solarflare, 0x0a03), (Broadcom, 0x16d7), (Broadcom, 0x1750)];

    /// <summary><c>quirk_dma_func0_alias</c>: Ricoh R5C832 / R5CE476 functions DMA as function 0.</summary>
    public static IReadOnlyList<(ushort Vendor, ushort Device)> DmaAliasFunc0 { get; } = [(Ricoh, 0xe832), (Ricoh, 0xe476)];

    /// <summary><c>quirk_dma_func1_alias</c>: Marvell 88SE91xx/92xx SATA, HighPoint (TTI) RocketRAID: DMA from function 0 appears as function 1.</summary>
    public static IReadOnlyList<(ushort Vendor, ushort Device)> DmaAliasFunc1 { get; } =
        [(MarvellExt, 0x9120), (MarvellExt, 0x9123), (MarvellExt, 0x9125), (MarvellExt, 0x9128), (MarvellExt, 0x9130), (MarvellExt, 0x9170),
         (MarvellExt, 0x9172), (MarvellExt, 0x917a), (MarvellExt, 0x9182), (MarvellExt, 0x9183), (MarvellExt, 0x91a0), (MarvellExt, 0x9215),
         (MarvellExt, 0x9220), (MarvellExt, 0x9230), (MarvellExt, 0x9235), (Tti, 0x0642), (Tti, 0x0645)];

    /// <summary><c>quirk_use_pcie_bridge_dma_alias</c>: conventional PCIe-to-PCI bridges without a PCIe capability (ASMedia ASM1083/1085,
    /// Tundra 8113, ITE 8892/8893, Intel 82801) that tag forwarded requests with (subordinate bus, devfn 0).</summary>
    public static IReadOnlyList<(ushort Vendor, ushort Device)> PcieBridgeAlias { get; } =
        [(ASMedia, 0x1080), (Tundra, 0x8113), (Ite, 0x8892), (Ite, 0x8893), (Intel, 0x244e)];

    /// <summary>Intel Volume Management Device controllers the vmd driver binds (drivers/pci/controller/vmd.c).</summary>
    public static IReadOnlyList<ushort> IntelVmd { get; } = [0x201d, 0x28c0, 0x467f, 0x4c3d, 0xa77f, 0x7d0b, 0xad0b, 0x9a0b, 0xb60b, 0xb06f];

    /// <summary>The first PCI domain the vmd driver gives the bus behind a VMD controller (<c>vmd_find_free_domain</c> starts above 0xffff).</summary>
    public const int FirstVmdDomain = 0x10000;

    private static IEnumerable<ushort> Range(int first, int last)
    {
        for (int i = first; i <= last; i++) yield return (ushort)i;
    }
}
