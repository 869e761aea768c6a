using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Adapters.Platform;

/// <summary>One BAR as the platform assigned it (bus address = CPU physical address on x86).</summary>
public sealed record BarFacts(int Index, ulong Base, ulong Size, BarKind Kind, bool Prefetch);

/// <summary>What the platform reports about one PCI function.</summary>
public sealed record DeviceFacts(Bdf Bdf, DeviceKind Kind, ushort Vendor, ushort DeviceId, IReadOnlyList<BarFacts> Bars, MsixSpec? Msix, int DmaMaskBits)
{
    public BarFacts? Bar(int index) => Bars.FirstOrDefault(b => b.Index == index);
}

/// <summary>
/// An isolation group as the platform computed it (Linux iommu_group; on POWER a PE): the only unit an owner may
/// take. <paramref name="Viable"/> is VFIO's VIABLE: false while a host driver that uses the DMA API is bound to a
/// member (facts §1.2, §3 "Viability and ownership").
/// </summary>
public sealed record IsolationGroup(int Id, IReadOnlyList<Bdf> Devices, bool Viable = true);

/// <summary>A hardware unit (IOMMU, PHB) the adapter programs through registers.</summary>
public sealed record UnitFacts(string Id, string Kind, ulong MmioBase, ulong MmioSize);

/// <summary>
/// Platform facts: the knowledge an adapter may consume (architecture.md "Platform knowledge, not heuristics").
/// Adapters take isolation from <see cref="Groups"/>; they never derive it from buses, bridges or ACS bits.
/// </summary>
public sealed record PlatformFacts(
    string Platform,
    IReadOnlyList<DeviceFacts> Devices,
    IReadOnlyList<IsolationGroup> Groups,
    IReadOnlyList<UnitFacts> Units)
{
    public DeviceFacts? Device(Bdf bdf) => Devices.FirstOrDefault(d => d.Bdf == bdf);

    public IsolationGroup? Group(int id) => Groups.FirstOrDefault(g => g.Id == id);

    public IsolationGroup? GroupOf(Bdf bdf) => Groups.FirstOrDefault(g => g.Devices.Contains(bdf));

    /// <summary>
    /// The functions a hot (secondary bus) reset of <paramref name="bdf"/> also resets: every function on the same
    /// bus (PCI-to-PCI Bridge 1.2 §3.2.5.17 Secondary Bus Reset; VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, facts §1.7).
    /// </summary>
    public IReadOnlyList<Bdf> HotResetScope(Bdf bdf) =>
        Devices.Where(d => d.Bdf.Segment == bdf.Segment && d.Bdf.Bus == bdf.Bus && !d.Kind.IsBridge() && d.Kind != DeviceKind.HostBridge)
               .Select(d => d.Bdf).Order().ToList();
}
