using Conformance.Adapters.Common;
using Conformance.Adapters.Platform;
using Conformance.Reference.Power;

namespace Conformance.Adapters.Power;

/// <summary>
/// The sPAPR paravirt adapter on a PowerNV host (VFIO sPAPR TCE v2 under KVM, facts vfio §1.6, hardware-models §3.1):
/// groups are the PEs the platform assigned (a group's id is its PE number on the unit <c>phb&lt;id&gt;</c>); a guest
/// drives its DMA windows with H_PUT_TCE / H_STUFF_TCE / H_PUT_TCE_INDIRECT / H_GET_TCE and RTAS DDW, which the
/// adapter implements on the real PHB: TCE tables in host memory (big-endian, single level, as Linux's
/// pnv_pci_ioda2 tables), mapped into each attached PE's TVE with OPAL_PCI_MAP_PE_DMA_WINDOW, and an
/// OPAL_PCI_TCE_KILL after every change. EEH RTAS maps to OPAL freeze status / clear / reset.
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
    };

    public IHostAdapter Create(IPlatformAccess platform) => CreateAdapter(platform);

    /// <summary>Builds the host adapter (a subclass may return a variant).</summary>
    protected virtual SpaprAdapter CreateAdapter(IPlatformAccess platform) => new(platform, Capabilities);
}

/// <summary>The host side: one PHB's OPAL interface and a host-wide LIOBN allocator.</summary>
public class SpaprAdapter : HostAdapterBase
{
    private uint _nextLiobn = 0x8000_0000;

    public SpaprAdapter(IPlatformAccess platform, AdapterCapabilities capabilities) : base(platform, capabilities)
    {
        ArgumentNullException.ThrowIfNull(platform);
        Opal = (platform as IOpalAccess)?.Opal ?? throw new InvalidOperationException("the sPAPR adapter needs a PowerNV platform with OPAL");
        var unit = platform.Facts.Units.FirstOrDefault(u => u.Kind == "power-phb") ?? throw new InvalidOperationException("no PHB in the platform facts");
        PhbId = ulong.Parse(unit.Id.AsSpan(3), System.Globalization.CultureInfo.InvariantCulture);
    }

    public OpalPci Opal { get; }
    public ulong PhbId { get; }

    /// <summary>Every guest's windows by LIOBN (a guest may only reach its own: <see cref="SpaprGuest.FindWindow"/>).</summary>
    internal Dictionary<uint, SpaprWindow> Liobns { get; } = [];

    /// <summary>Every window of every guest on this host, by LIOBN.</summary>
    public IReadOnlyDictionary<uint, SpaprWindow> AllWindows => Liobns;

    internal uint NewLiobn() => _nextLiobn++;

    protected override GuestBase NewGuest(GuestConfig config) => NewSpaprGuest(config);

    /// <summary>Builds one guest (a subclass may return a variant).</summary>
    protected virtual SpaprGuest NewSpaprGuest(GuestConfig config) => new(this, config);
}

/// <summary>One DMA window of a guest: its LIOBN, bus range, the TCE table in host memory and the guest's view (KVM's stt).</summary>
public sealed class SpaprWindow(SpaprGuest owner, uint liobn, int index, ulong start, int pageShift, ulong entries, ulong table, int tablePages)
{
    public SpaprGuest Owner { get; } = owner;
    public uint Liobn { get; } = liobn;
    /// <summary>0: the default 32-bit window (TVE pe*2); 1: the DDW (TVE pe*2+1, bus address bit 59).</summary>
    public int Index { get; } = index;
    public ulong Start { get; } = start;
    public int PageShift { get; } = pageShift;
    public ulong Entries { get; } = entries;
    public ulong Table { get; } = table;
    public int TablePages { get; } = tablePages;
    public ulong PageSize => 1UL << PageShift;
    public ulong Size => Entries << PageShift;
    public ulong TableBytes => Entries * 8;
    /// <summary>The TCEs as the guest wrote them (H_GET_TCE answers these).</summary>
    public ulong[] GuestTces { get; } = new ulong[entries];
    public DmaWindow Describe => new(Start, Size, PageShift, 1);
}
