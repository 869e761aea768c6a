using System.Globalization;
using Conformance.Reference.Text;

namespace Conformance.Reference.Groups.Quirks;

/// <summary>The ACS rules a quirk entry selects. Each is one function of drivers/pci/quirks.c, implemented once in
/// <see cref="AcsQuirks"/>.</summary>
public enum AcsQuirkRule
{
    /// <summary><c>pci_quirk_amd_sb_acs</c>: AMD/ATI southbridge multifunction devices on the root bus, when an IVRS table exists.</summary>
    AmdSouthbridge,
    /// <summary><c>pci_quirk_mf_endpoint_acs</c>: vendor-verified multifunction endpoints without internal peer-to-peer.</summary>
    MultifunctionEndpoint,
    /// <summary><c>pci_quirk_rciep_acs</c>: every Intel root complex integrated endpoint (VT-d r3.1 §3.16).</summary>
    IntelRciep,
    /// <summary><c>pci_quirk_qcom_rp_acs</c> (QCOM QDF2xxx, SA8775P, HXT SD4800 root ports).</summary>
    QcomRootPort,
    /// <summary><c>pci_quirk_intel_pch_acs</c>: Intel PCH root ports without an ACS capability (IDs from Red Hat bz 1037684).</summary>
    IntelPchRootPort,
    /// <summary><c>pci_quirk_intel_spt_pch_acs</c>: Sunrise/Union Point root ports whose ACS control register sits at +8.</summary>
    IntelSptPchRootPort,
    /// <summary><c>pci_quirk_cavium_acs</c>: ThunderX root ports.</summary>
    CaviumRootPort,
    /// <summary><c>pci_quirk_xgene_acs</c>: APM X-Gene and Ampere root ports.</summary>
    XGeneRootPort,
    /// <summary><c>pci_quirk_brcm_acs</c>: Broadcom iProc PAXB root ports.</summary>
    BroadcomIprocRootPort,
    /// <summary><c>pci_quirk_al_acs</c>: Amazon Annapurna Labs root ports.</summary>
    AnnapurnaRootPort,
    /// <summary><c>pci_quirk_nxp_rp_acs</c>: NXP LX2xxx root ports.</summary>
    NxpRootPort,
    /// <summary><c>pci_quirk_zhaoxin_pcie_ports_acs</c>: Zhaoxin root and downstream ports.</summary>
    ZhaoxinPort,
    /// <summary><c>pci_quirk_wangxun_nic_acs</c>: Wangxun NICs.</summary>
    WangxunNic,
}

/// <summary>What a DMA-alias fixup does (drivers/pci/quirks.c DECLARE_PCI_FIXUP_HEADER entries).</summary>
public enum DmaAliasRule
{
    /// <summary><c>quirk_dma_func0_alias</c>: a non-zero function also DMAs as function 0 of its slot.</summary>
    Func0,
    /// <summary><c>quirk_dma_func1_alias</c>: a function other than 1 also DMAs as function 1 of its slot.</summary>
    Func1,
    /// <summary><c>quirk_fixed_dma_alias</c>, <c>quirk_mic_x200_dma_alias</c>, <c>quirk_pex_vca_alias</c>,
    /// <c>quirk_plx_ntb_dma_alias</c>: fixed devfns on the same bus (<c>pci_add_dma_alias</c>).</summary>
    Fixed,
    /// <summary><c>quirk_use_pcie_bridge_dma_alias</c>: sets PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS on a conventional bridge
    /// that is really a PCIe-to-PCI bridge.</summary>
    PcieBridgeAlias,
    /// <summary><c>quirk_bridge_cavm_thrx2_pcie_root</c>: PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT (the alias walk stops here).</summary>
    BridgeXlateRoot,
}

public sealed record AcsQuirkEntry(ushort Vendor, ushort? Device, AcsQuirkRule Rule);

/// <summary>A DMA-alias fixup; <see cref="AliasDevfns"/> is the 256-bit devfn set <c>pci_add_dma_alias</c> sets for <see cref="DmaAliasRule.Fixed"/>.</summary>
public sealed record DmaAliasQuirkEntry(ushort Vendor, ushort Device, ushort? SubsystemVendor, ushort? SubsystemDevice,
    DmaAliasRule Rule, IReadOnlyList<byte> AliasDevfns);

/// <summary>
/// The kernel's quirk tables as data (embedded resource <c>Groups/Quirks/linux-6.12-quirks.json</c>, taken from
/// Linux v6.12 drivers/pci/quirks.c and drivers/pci/controller/vmd.c). The rules themselves are C# code.
/// </summary>
public sealed class LinuxQuirks
{
    private static readonly Lazy<LinuxQuirks> Default = new(() => Load(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Dictionary<AcsQuirkRule, (ushort Lo, ushort Hi)[]> _ruleIds;

    private LinuxQuirks(string source, IReadOnlyList<AcsQuirkEntry> acs, Dictionary<AcsQuirkRule, (ushort, ushort)[]> ruleIds,
        IReadOnlyList<DmaAliasQuirkEntry> dmaAlias, IReadOnlySet<ushort> vmdDeviceIds)
    {
        Source = source;
        Acs = acs;
        _ruleIds = ruleIds;
        DmaAlias = dmaAlias;
        VmdDeviceIds = vmdDeviceIds;
        _acsByVendor = acs.GroupBy(e => e.Vendor).ToDictionary(g => g.Key, g => g.ToArray());
        _aliasById = dmaAlias.GroupBy(e => ((uint)e.Vendor << 16) | e.Device).ToDictionary(g => g.Key, g => g.ToArray());
    }

    private readonly Dictionary<ushort, AcsQuirkEntry[]> _acsByVendor;
    private readonly Dictionary<uint, DmaAliasQuirkEntry[]> _aliasById;

    /// <summary>The <see cref="Acs"/> entries of one vendor, in table order (the table has no PCI_ANY_ID vendor).</summary>
    public IReadOnlyList<AcsQuirkEntry> AcsFor(ushort vendor) => _acsByVendor.TryGetValue(vendor, out var e) ? e : [];

    /// <summary>The DMA-alias fixups declared for one vendor:device.</summary>
    public IReadOnlyList<DmaAliasQuirkEntry> DmaAliasFor(ushort vendor, ushort device) =>
        _aliasById.TryGetValue(((uint)vendor << 16) | device, out var e) ? e : [];

    /// <summary>The tables shipped with the kit (Linux v6.12).</summary>
    public static LinuxQuirks Linux612 => Default.Value;

    /// <summary>Where the facts came from (tree and files).</summary>
    public string Source { get; }

    /// <summary><c>pci_dev_acs_enabled[]</c> in table order (the first entry whose rule answers decides).</summary>
    public IReadOnlyList<AcsQuirkEntry> Acs { get; }

    public IReadOnlyList<DmaAliasQuirkEntry> DmaAlias { get; }

    /// <summary>Intel VMD controller device IDs (vendor 0x8086) from vmd.c <c>vmd_ids[]</c>.</summary>
    public IReadOnlySet<ushort> VmdDeviceIds { get; }

    /// <summary>True when <paramref name="device"/> is in the device-ID list or ranges a rule restricts itself to
    /// (e.g. <c>pci_quirk_intel_pch_acs_ids[]</c>). A rule without a list matches nothing here.</summary>
    public bool RuleMatchesDevice(AcsQuirkRule rule, ushort device)
    {
        if (!_ruleIds.TryGetValue(rule, out var ranges)) return false;
        foreach (var (lo, hi) in ranges)
        {
            if (device >= lo && device <= hi) return true;
        }
        return false;
    }

    private static readonly (string Name, AcsQuirkRule Rule)[] AcsNames =
    [
        ("amd-southbridge", AcsQuirkRule.AmdSouthbridge), ("multifunction-endpoint", AcsQuirkRule.MultifunctionEndpoint),
        ("intel-rciep", AcsQuirkRule.IntelRciep), ("qcom-root-port", AcsQuirkRule.QcomRootPort),
        ("intel-pch-root-port", AcsQuirkRule.IntelPchRootPort), ("intel-spt-pch-root-port", AcsQuirkRule.IntelSptPchRootPort),
        ("cavium-root-port", AcsQuirkRule.CaviumRootPort), ("xgene-root-port", AcsQuirkRule.XGeneRootPort),
        ("broadcom-iproc-root-port", AcsQuirkRule.BroadcomIprocRootPort), ("annapurna-root-port", AcsQuirkRule.AnnapurnaRootPort),
        ("nxp-root-port", AcsQuirkRule.NxpRootPort), ("zhaoxin-port", AcsQuirkRule.ZhaoxinPort), ("wangxun-nic", AcsQuirkRule.WangxunNic),
    ];

    private static readonly (string Name, DmaAliasRule Rule)[] AliasNames =
    [
        ("func0", DmaAliasRule.Func0), ("func1", DmaAliasRule.Func1), ("fixed", DmaAliasRule.Fixed),
        ("pcie-bridge-alias", DmaAliasRule.PcieBridgeAlias), ("bridge-xlate-root", DmaAliasRule.BridgeXlateRoot),
    ];

    /// <summary>Reads a quirk file of the embedded format (used for the embedded one; public so a user can try a
    /// newer kernel's table).</summary>
    public static LinuxQuirks Parse(string json, string file)
    {
        var root = JsonValue.Parse(json, file);
        root.AllowOnly("source", "acs", "acs_rule_ids", "dma_alias", "vmd");
        string source = root.Get("source")?.AsString() ?? file;

        var acs = new List<AcsQuirkEntry>();
        foreach (var e in root.Require("acs").Items)
        {
            e.AllowOnly("vendor", "device", "rule");
            var ruleNode = e.Require("rule");
            var rule = AcsNames.FirstOrDefault(n => n.Name == ruleNode.AsString());
            if (rule.Name is null) throw ruleNode.Error($"unknown ACS quirk rule \"{ruleNode.Text}\"");
            var dev = e.Require("device");
            ushort? device = dev.Kind == JsonKind.String && dev.Text == "any" ? null : (ushort)dev.AsUInt64(0xffff);
            acs.Add(new AcsQuirkEntry((ushort)e.Require("vendor").AsUInt64(0xffff), device, rule.Rule));
        }

        var ruleIds = new Dictionary<AcsQuirkRule, (ushort, ushort)[]>();
        foreach (var (name, node) in root.Require("acs_rule_ids").Members)
        {
            var rule = AcsNames.FirstOrDefault(n => n.Name == name);
            if (rule.Name is null) throw node.Error($"unknown ACS quirk rule \"{name}\"");
            node.AllowOnly("ids", "ranges");
            var list = new List<(ushort, ushort)>();
            if (node.Get("ids") is { } ids)
            {
                foreach (var id in ids.Items) { ushort v = (ushort)id.AsUInt64(0xffff); list.Add((v, v)); }
            }
            if (node.Get("ranges") is { } ranges)
            {
                foreach (var r in ranges.Items)
                {
                    if (r.Items.Count != 2) throw r.Error("a range is [first, last]");
                    list.Add(((ushort)r.Items[0].AsUInt64(0xffff), (ushort)r.Items[1].AsUInt64(0xffff)));
                }
            }
            ruleIds[rule.Rule] = [.. list];
        }

        var aliases = new List<DmaAliasQuirkEntry>();
        foreach (var e in root.Require("dma_alias").Items)
        {
            e.AllowOnly("vendor", "device", "subvendor", "subdevice", "rule", "devfns");
            var ruleNode = e.Require("rule");
            var rule = AliasNames.FirstOrDefault(n => n.Name == ruleNode.AsString());
            if (rule.Name is null) throw ruleNode.Error($"unknown DMA alias rule \"{ruleNode.Text}\"");
            var devfns = new List<byte>();
            if (e.Get("devfns") is { } df)
            {
                foreach (var item in df.Items) devfns.AddRange(ParseDevfnRange(item));
            }
            if (rule.Rule == DmaAliasRule.Fixed && devfns.Count == 0) throw e.Error("a \"fixed\" alias needs \"devfns\"");
            aliases.Add(new DmaAliasQuirkEntry((ushort)e.Require("vendor").AsUInt64(0xffff), (ushort)e.Require("device").AsUInt64(0xffff),
                e.Get("subvendor") is { } sv ? (ushort)sv.AsUInt64(0xffff) : null,
                e.Get("subdevice") is { } sd ? (ushort)sd.AsUInt64(0xffff) : null, rule.Rule, devfns));
        }

        var vmd = new HashSet<ushort>();
        foreach (var v in root.Require("vmd").Items) vmd.Add((ushort)v.AsUInt64(0xffff));
        return new LinuxQuirks(source, acs, ruleIds, aliases, vmd);
    }

    /// <summary><c>"dd.f+n"</c>: n devfns starting at slot dd function f (<c>pci_add_dma_alias(dev, devfn_from, nr_devfns)</c>).</summary>
    private static IEnumerable<byte> ParseDevfnRange(JsonValue item)
    {
        string s = item.AsString();
        int plus = s.IndexOf('+', StringComparison.Ordinal);
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (plus < 0 || dot < 0 || dot > plus
            || !int.TryParse(s[..dot], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int slot) || slot > 31
            || !int.TryParse(s[(dot + 1)..plus], NumberStyles.None, CultureInfo.InvariantCulture, out int fn) || fn > 7
            || !int.TryParse(s[(plus + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
            throw item.Error($"\"{s}\" is not a devfn range \"dd.f+n\"");
        int from = (slot << 3) | fn;
        if (from + count > 256) throw item.Error($"\"{s}\" runs past devfn ff");
        return Enumerable.Range(from, count).Select(x => (byte)x);
    }

    private static LinuxQuirks Load()
    {
        const string name = "Conformance.Reference.Groups.Quirks.linux-6.12-quirks.json";
        using var stream = typeof(LinuxQuirks).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "linux-6.12-quirks.json");
    }
}
