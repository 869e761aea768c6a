using Conformance.Adapters.Platform;

namespace Conformance.Adapters;

/// <summary>
/// What an implementer ships: names its adapter and platform, declares capabilities, and creates the adapter over
/// the platform's architected surface. The suite finds implementations by reflection in an adapter assembly
/// (a public type with a public parameterless constructor).
/// </summary>
public interface IAdapterFactory
{
    /// <summary>Stable adapter name used in reports and baselines (e.g. <c>noiommu</c>).</summary>
    string Name { get; }

    /// <summary>The platform it drives: <c>none</c>, <c>intel-vtd</c>, <c>amd-vi</c>, <c>power-phb</c>, or a test platform.</summary>
    string Platform { get; }

    AdapterCapabilities Capabilities { get; }

    IHostAdapter Create(IPlatformAccess platform);
}

/// <summary>How a guest's memory is backed.</summary>
public enum MemoryBacking
{
    /// <summary>Pinned for as long as any device may reach it.</summary>
    Pinned,
    /// <summary>Populated on demand; needs I/O page faults (capability <c>mem.fault-backed</c>).</summary>
    FaultBacked,
}

/// <summary>
/// A guest to create. <paramref name="Vcpus"/> are the host interrupt destinations (APIC IDs) dedicated to it; its
/// devices' interrupts may be routed there and nowhere else.
/// </summary>
public sealed record GuestConfig(string Name, ulong MemorySize, IReadOnlyList<uint> Vcpus, MemoryBacking Backing = MemoryBacking.Pinned);

/// <summary>
/// The host face: what a VMM calls. One adapter instance serves one host; every guest it creates is an owner.
/// </summary>
public interface IHostAdapter : IAsyncDisposable
{
    AdapterCapabilities Capabilities { get; }

    /// <summary>Creates an owner: its memory (guest-physical from 0), its CPU map, and its DMA domain or windows.</summary>
    ValueTask<Result<IGuest>> CreateGuestAsync(GuestConfig config, CancellationToken cancellationToken);
}

/// <summary>An interrupt destination inside a guest: one of its vCPUs (host APIC ID) and a vector.</summary>
public readonly record struct GuestVector(uint Vcpu, int Vector);

/// <summary>A piece of a BAR mapped into a guest's CPU map.</summary>
public readonly record struct MmioArea(ulong GuestPhysical, ulong HostPhysical, ulong Size);

/// <summary>
/// One owner (a guest): groups it holds, its DMA domain in whichever models the adapter offers, interrupt routes,
/// BAR mappings, resets and error recovery. Disposing it (or <see cref="DestroyAsync"/>) tears everything down and
/// returns every group and page.
/// </summary>
public interface IGuest
{
    string Name { get; }

    GuestConfig Config { get; }

    /// <summary>The guest's CPU map (EPT/NPT): what its loads and stores reach.</summary>
    GuestCpuMap CpuMap { get; }

    /// <summary>Groups this owner holds.</summary>
    IReadOnlyCollection<int> Groups { get; }

    /// <summary>
    /// Takes a whole group (VFIO_GROUP_SET_CONTAINER + attach). NotFound: no such group; Permission: not viable;
    /// Busy: another owner holds it; Invalid: this owner already holds it.
    /// </summary>
    ValueTask<Result> AttachGroupAsync(int groupId, CancellationToken cancellationToken);

    /// <summary>Gives a group back; its devices stop reaching this owner's memory before this returns.</summary>
    ValueTask<Result> DetachGroupAsync(int groupId, CancellationToken cancellationToken);

    /// <summary>Full-space map/unmap (capability <c>dma.full-space</c>), or null.</summary>
    IFullSpaceDma? FullSpace { get; }

    /// <summary>TCE windows (capability <c>dma.windowed</c>), or null.</summary>
    IWindowedDma? Windowed { get; }

    /// <summary>Guest-owned first level over a host second level (capability <c>dma.nested</c>), or null.</summary>
    INestedDma? Nested { get; }

    /// <summary>The guest face: what the guest itself may use to make memory visible to its devices.</summary>
    IGuestFace Face { get; }

    /// <summary>Routes MSI-X entry <paramref name="index"/> of an owned device to a vector of this guest
    /// (VFIO_DEVICE_SET_IRQS). Invalid: vCPU not this guest's, index out of range; NotFound: device not owned.</summary>
    ValueTask<Result> RouteMsixAsync(Reference.Pci.Bdf device, int index, GuestVector target, CancellationToken cancellationToken);

    ValueTask<Result> DisableMsixAsync(Reference.Pci.Bdf device, int index, CancellationToken cancellationToken);

    /// <summary>
    /// Exposes BAR <paramref name="bar"/> of an owned device at <paramref name="guestPhysical"/>: maps what may be
    /// mapped into the CPU map and traps the rest (<see cref="HandleMmioExit"/>). Returns the mapped areas.
    /// </summary>
    ValueTask<Result<IReadOnlyList<MmioArea>>> MapBarAsync(Reference.Pci.Bdf device, int bar, ulong guestPhysical, CancellationToken cancellationToken);

    /// <summary>A guest access to a guest-physical address its CPU map does not cover (an EPT violation / MMIO exit).
    /// For a read, sets <paramref name="value"/>. NotFound when nothing of this guest is there.</summary>
    Result HandleMmioExit(ulong guestPhysical, int width, bool write, ref ulong value);

    /// <summary>Function reset of an owned device (VFIO_DEVICE_RESET).</summary>
    ValueTask<Result> ResetDeviceAsync(Reference.Pci.Bdf device, CancellationToken cancellationToken);

    /// <summary>Hot (bus) reset; the owner must hold every group in the reset scope, else Invalid
    /// (VFIO_DEVICE_PCI_HOT_RESET, facts §1.7). Capability <c>reset.hot</c>.</summary>
    ValueTask<Result> HotResetAsync(Reference.Pci.Bdf device, CancellationToken cancellationToken);

    /// <summary>PE error state and recovery (capability <c>pe.recovery</c>), or null.</summary>
    IErrorRecovery? Recovery { get; }

    /// <summary>Tears the owner down: detaches every group, unmaps and unpins everything, frees every page.</summary>
    ValueTask<Result> DestroyAsync(CancellationToken cancellationToken);
}
