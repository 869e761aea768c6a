using Conformance.Reference.Pci;

namespace Conformance.Adapters;

[Flags]
public enum DmaAccess
{
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
}

/// <summary>A valid IOVA range, end inclusive (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, facts §1.4).</summary>
public readonly record struct IovaRange(ulong Start, ulong End)
{
    public bool Contains(ulong iova, ulong size) => size != 0 && iova >= Start && iova + (size - 1) >= iova && iova + (size - 1) <= End;
}

/// <summary>
/// Full-space DMA (VFIO type1 v2 / iommufd IOAS semantics, facts §1.3, §2.3): the owner's domain maps IOVA ranges to
/// guest memory. Map: Invalid for zero size, misalignment to the smallest page size, no access, or a range outside
/// <see cref="IovaRanges"/>; Overflow when iova+size wraps; Exists on any overlap; NoSpace when out of entries.
/// Unmap must cover whole mappings (Invalid when it bisects one), returns the bytes unmapped (0 when none), and
/// takes effect before it returns.
/// </summary>
public interface IFullSpaceDma
{
    /// <summary>Supported IO page sizes, smallest first.</summary>
    IReadOnlyList<ulong> PageSizes { get; }

    IReadOnlyList<IovaRange> IovaRanges { get; }

    ValueTask<Result> MapAsync(ulong iova, ulong guestPhysical, ulong size, DmaAccess access, CancellationToken cancellationToken);

    ValueTask<Result<ulong>> UnmapAsync(ulong iova, ulong size, CancellationToken cancellationToken);
}

/// <summary>A DMA window (sPAPR TCE): bus addresses [Start, Start+Size), one TCE per IO page of 2^PageShift bytes.</summary>
public readonly record struct DmaWindow(ulong Start, ulong Size, int PageShift, int Levels);

/// <summary>
/// Windowed DMA (VFIO sPAPR TCE v2, PAPR H_PUT_TCE/H_STUFF_TCE/H_GET_TCE, RTAS DDW; facts §1.6). A TCE value is the
/// guest-physical page address with bit 0 = read and bit 1 = write (PAPR: TCE_PCI_READ/TCE_PCI_WRITE).
/// Calls outside every window answer NoWindow; misaligned ioba Invalid.
/// </summary>
public interface IWindowedDma
{
    IReadOnlyList<ulong> PageSizes { get; }

    IReadOnlyList<DmaWindow> Windows { get; }

    /// <summary>NoSpace without a free window slot; Invalid for an unsupported page size.</summary>
    ValueTask<Result<DmaWindow>> CreateWindowAsync(int pageShift, ulong size, int levels, CancellationToken cancellationToken);

    /// <summary>Invalid if no window starts there.</summary>
    ValueTask<Result> RemoveWindowAsync(ulong start, CancellationToken cancellationToken);

    Result PutTce(ulong ioba, ulong tce);

    Result StuffTce(ulong ioba, ulong tce, ulong count);

    Result<ulong> GetTce(ulong ioba);
}

/// <summary>Nested DMA: a guest-owned first-level table (in guest memory) over the host's second level.</summary>
public interface INestedDma
{
    /// <summary>Format names the platform accepts for first-level tables (e.g. <c>amd-v1</c>, <c>vtd-s1</c>).</summary>
    IReadOnlyList<string> FirstLevelFormats { get; }

    /// <summary>Installs the guest's first-level root (a guest-physical address) for an owned device.</summary>
    ValueTask<Result> SetFirstLevelAsync(Bdf device, string format, ulong guestTableRoot, CancellationToken cancellationToken);

    /// <summary>The guest's invalidation of its first level (all of it when size is 0); effective before it returns.</summary>
    ValueTask<Result> InvalidateFirstLevelAsync(Bdf device, ulong iova, ulong size, CancellationToken cancellationToken);
}

/// <summary>PE states as VFIO_EEH_PE_GET_STATE reports them (facts §1.6).</summary>
public enum PeState
{
    Normal = 0,
    Reset = 1,
    Stopped = 2,
    StoppedDma = 4,
    Unavailable = 5,
}

/// <summary>PE error state and recovery (VFIO_EEH_PE_OP): read state, unfreeze, reset, configure.</summary>
public interface IErrorRecovery
{
    Result<PeState> GetState(int groupId);

    /// <summary>UNFREEZE_IO (MMIO) or UNFREEZE_DMA.</summary>
    Result Unfreeze(int groupId, bool dma);

    ValueTask<Result> ResetAsync(int groupId, bool fundamental, CancellationToken cancellationToken);

    Result Configure(int groupId);
}
