using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Power;

namespace Conformance.Adapters.Power;

/// <summary>
/// The sPAPR paravirt adapter on a PowerNV host (VFIO sPAPR TCE v2 under KVM, facts vfio §1.6, hardware-models §3.1):
/// groups are the PEs the platform assigned (a group's id is its PE number on the unit <c>phb&lt;id&gt;</c>); a guest
/// drives its DMA windows with H_PUT_TCE / H_STUFF_TCE / H_PUT_TCE_INDIRECT / H_GET_TCE and RTAS DDW, which the
/// adapter implements on the real PHB: TCE tables in host memory (big-endian, multi-level as Linux's
/// pnv_pci_ioda2 tables), mapped into each attached PE's TVE with OPAL_PCI_MAP_PE_DMA_WINDOW, and an
/// OPAL_PCI_TCE_KILL after every change. EEH RTAS maps to OPAL freeze status / clear / reset. MSI-X entries are routed
/// as Linux and KVM do for a passed-through device: a PHB interrupt source from the host's pool, OPAL_PCI_SET_XIVE_PE,
/// OPAL_GET_MSI_64, OPAL_XIVE_SET_IRQ_CONFIG to the vCPU's VP with the guest's vector as the EISN.
/// </summary>
public class SpaprAdapterFactory : IAdapterFactory
{
    public virtual string Name => "spapr";
    public string Platform => "power-phb";

    public AdapterCapabilities Capabilities { get; } = new()
    {
        DmaModels = DmaModels.Windowed,
        GuestFace = GuestFaceKind.ParavirtTce,
        MsixTableMappable = true,
        SubPageBarMapping = true,
        PeErrorRecovery = true,
        HotReset = true,
    };

    public IHostAdapter Create(IPlatformAccess platform) => CreateAdapter(platform);

    /// <summary>Builds the host adapter (a subclass may return a variant).</summary>
    protected virtual SpaprAdapter CreateAdapter(IPlatformAccess platform) => new(platform, Capabilities);
}

/// <summary>The host side: one PHB's OPAL interface, a host-wide LIOBN allocator and the PHB's MSI source pool.</summary>
public class SpaprAdapter : HostAdapterBase
{
    private uint _nextLiobn = 0x8000_0000;
    private readonly bool[] _msiUsed;

    public SpaprAdapter(IPlatformAccess platform, AdapterCapabilities capabilities) : base(platform, capabilities)
    {
        ArgumentNullException.ThrowIfNull(platform);
        Opal = (platform as IOpalAccess)?.Opal ?? throw new InvalidOperationException("the sPAPR adapter needs a PowerNV platform with OPAL");
        var unit = platform.Facts.Units.FirstOrDefault(u => u.Kind == "power-phb") ?? throw new InvalidOperationException("no PHB in the platform facts");
        PhbId = ulong.Parse(unit.Id.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);
        // Linux pnv_pci_init_ioda_msis: the MSI bitmap covers the device tree's ibm,opal-msi-ranges (base_msi, count).
        var ranges = Opal.Xive.MsiRanges(PhbId) ?? throw new InvalidOperationException($"PHB {PhbId} exports no ibm,opal-msi-ranges");
        MsiBase = ranges.Base;
        _msiUsed = new bool[ranges.Count];
    }

    /// <summary>The girq of MSI source 0 (<c>ibm,opal-msi-ranges</c> cell 0, skiboot's <c>base_msi</c>).</summary>
    public uint MsiBase { get; }

    /// <summary>MSI sources currently handed out to guests' MSI-X entries.</summary>
    public int MsisInUse => _msiUsed.Count(u => u);

    /// <summary>Linux <c>msi_bitmap_alloc_hwirqs(&amp;phb-&gt;msi_bmp, 1)</c>: the lowest free source, or null.</summary>
    internal int? AllocateMsi()
    {
        int i = Array.IndexOf(_msiUsed, false);
        if (i < 0) return null;
        _msiUsed[i] = true;
        return i;
    }

    /// <summary>Linux <c>msi_bitmap_free_hwirqs</c>.</summary>
    internal void FreeMsi(int source) => _msiUsed[source] = false;

    public OpalPci Opal { get; }
    public ulong PhbId { get; }

    /// <summary>Guest RAM from hugepages (QEMU -mem-path on hugetlbfs): one host-contiguous block per guest, so its
    /// windows may use 64 KiB and 2 MiB IO pages. Off by default (4 KiB pages only).</summary>
    public bool HugePageBacking { get; init; }

    /// <summary>Every guest's windows by LIOBN (a guest may only reach its own: <see cref="SpaprGuest.FindWindow"/>).</summary>
    internal Dictionary<uint, SpaprWindow> Liobns { get; } = [];

    /// <summary>Every window of every guest on this host, by LIOBN.</summary>
    public IReadOnlyDictionary<uint, SpaprWindow> AllWindows => Liobns;

    internal uint NewLiobn() => _nextLiobn++;

    protected override GuestBase NewGuest(GuestConfig config) => NewSpaprGuest(config);

    /// <summary>Builds one guest (a subclass may return a variant).</summary>
    protected virtual SpaprGuest NewSpaprGuest(GuestConfig config) => new(this, config);
}

/// <summary>
/// One DMA window of a guest: its LIOBN, bus range, IO page size, the TCE table in host memory and the guest's view
/// (KVM's stt). The table is laid out as Linux's pnv_pci_ioda2_table_alloc_pages lays it out: <see cref="Levels"/>
/// levels of 2^<see cref="LevelShift"/> bytes each, big-endian entries; only the top level (at <see cref="Table"/>)
/// is allocated up front, lower levels on the first TCE written below them (pnv_tce with alloc), their entries
/// holding the next level's address | R | W.
/// </summary>
public sealed class SpaprWindow(SpaprGuest owner, uint liobn, int index, ulong start, int pageShift, ulong entries, ulong table, int tablePages,
    int levels = 1, int levelShift = 0)
{
    private readonly Dictionary<ulong, ulong> _guestTces = [];

    public SpaprGuest Owner { get; } = owner;
    public uint Liobn { get; } = liobn;
    /// <summary>0: the default 32-bit window (TVE pe*2); 1: the DDW (TVE pe*2+1, bus address bit 59).</summary>
    public int Index { get; } = index;
    public ulong Start { get; } = start;
    public int PageShift { get; } = pageShift;
    public ulong Entries { get; } = entries;
    /// <summary>The top level of the TCE table (host physical).</summary>
    public ulong Table { get; } = table;
    /// <summary>Host pages of the top level.</summary>
    public int TablePages { get; } = tablePages;
    /// <summary>TCE table levels (1..5): the TVE's NUM_LEVELS + 1.</summary>
    public int Levels { get; } = levels;
    /// <summary>log2 of one level's size in bytes (at least 12).</summary>
    public int LevelShift { get; } = levelShift == 0 ? Math.Max(12, System.Numerics.BitOperations.Log2(Math.Max(entries, 1) * 8)) : levelShift;
    public ulong PageSize => 1UL << PageShift;
    public ulong Size => Entries << PageShift;
    /// <summary>One level's size in bytes: what OPAL_PCI_MAP_PE_DMA_WINDOW gets as the table size (TVE TCE_TABLE_SIZE).</summary>
    public ulong LevelBytes => 1UL << LevelShift;
    /// <summary>The top level's size in bytes (for one level: the whole table).</summary>
    public ulong TableBytes => LevelBytes;
    /// <summary>Lower levels allocated so far (host physical address of each), freed with the window.</summary>
    public List<ulong> IndirectLevels { get; } = [];
    /// <summary>The TCE the guest last wrote for the IO page with this index (H_GET_TCE answers it; 0 if none).</summary>
    public ulong GuestTce(ulong index) => _guestTces.GetValueOrDefault(index);

    internal void SetGuestTce(ulong index, ulong tce)
    {
        if (tce == 0) _guestTces.Remove(index);
        else _guestTces[index] = tce;
    }

    public DmaWindow Describe => new(Start, Size, PageShift, Levels);
}
