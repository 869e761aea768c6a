using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Adapters.Platform;

/// <summary>One BAR as the platform assigned it (bus address = CPU physical address on x86).</summary>
public sealed record BarFacts(int Index, ulong Base, ulong Size, BarKind Kind, bool Prefetch);

/// <summary>What the platform reports about one PCI function.</summary>
/// <param name="Aliases">The requester IDs (segment and 16-bit RID, as <see cref="Bdf"/>) the function's DMA can carry
/// when it reaches the IOMMU, as the platform computes them (Linux <c>pci_for_each_dma_alias</c>: its own RID, its
/// quirk aliases, then the alias each PCIe-to-PCI or conventional bridge on the way up takes ownership with); null
/// means only its own RID. Adapters program every one of them; they never derive aliases themselves.</param>
public sealed record DeviceFacts(Bdf Bdf, DeviceKind Kind, ushort Vendor, ushort DeviceId, IReadOnlyList<BarFacts> Bars, MsixSpec? Msix, int DmaMaskBits,
    IReadOnlyList<Bdf>? Aliases = null)
{
    public BarFacts? Bar(int index) => Bars.FirstOrDefault(b => b.Index == index);

    /// <summary>Every requester ID the function's DMA can carry, its own first (<see cref="Aliases"/>, or just
    /// <see cref="Bdf"/> when the platform reported none), each once.</summary>
    public IReadOnlyList<Bdf> DmaAliases => Aliases is { Count: > 0 } a ? a.Prepend(Bdf).Distinct().ToList() : [Bdf];

    /// <summary>The requester ID the function's DMA and MSIs carry at the root complex: the last alias
    /// <c>pci_for_each_dma_alias</c> yields (the outermost bridge that takes ownership), else its own.</summary>
    public Bdf WireRequester => Aliases is { Count: > 0 } a ? a[^1] : Bdf;
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

    /// <summary>Every requester ID DMA from <paramref name="bdf"/> can carry (<see cref="DeviceFacts.DmaAliases"/>);
    /// a function the platform does not report: its own.</summary>
    public IReadOnlyList<Bdf> DmaAliasesOf(Bdf bdf) => Device(bdf)?.DmaAliases ?? [bdf];

    /// <summary>Every requester ID the functions of <paramref name="group"/> can carry, each once, in member order:
    /// what an IOMMU must point at the owner's domain for the group to be attached whole.</summary>
    public IReadOnlyList<Bdf> DmaAliasesOf(IsolationGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.Devices.SelectMany(DmaAliasesOf).Distinct().ToList();
    }

    /// <summary>
    /// The functions a hot (secondary bus) reset of <paramref name="bdf"/> also resets: every function on the same
    /// bus (PCI-to-PCI Bridge 1.2 §3.2.5.17 Secondary Bus Reset; VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, facts §1.7).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Policy", "DAK001", Justification = "Platform knowledge: the platform states which functions share a reset; adapters consume this fact instead of deriving it.")]
    public IReadOnlyList<Bdf> HotResetScope(Bdf bdf) =>
        Devices.Where(d => d.Bdf.Segment == bdf.Segment && d.Bdf.Bus == bdf.Bus && !d.Kind.IsBridge() && d.Kind != DeviceKind.HostBridge)
               .Select(d => d.Bdf).Order().ToList();
}
