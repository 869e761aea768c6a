namespace Conformance.Adapters.Platform;

/// <summary>
/// The architected surface an adapter may use, and nothing else (architecture.md "The layers"): platform facts,
/// host physical memory (for tables it builds), CPU loads and stores (MMIO registers, BARs), the host's page
/// allocator, guests' CPU address maps, and time for the hardware to process queued work. No model internals.
/// </summary>
public interface IPlatformAccess
{
    PlatformFacts Facts { get; }

    /// <summary>Host physical memory as a CPU sees it (little-endian helpers for tables).</summary>
    IHostMemory Memory { get; }

    /// <summary>CPU loads and stores to physical addresses: MMIO registers of units, device BARs.</summary>
    ICpuMmio Mmio { get; }

    /// <summary>PCI configuration space (ECAM): capabilities, function-level and secondary bus resets.</summary>
    IPciConfig Config { get; }

    /// <summary>The host kernel's page allocator: where guest memory and hardware tables come from.</summary>
    HostPageAllocator Pages { get; }

    /// <summary>Creates the CPU-side address map (EPT/NPT/HPT) of a new guest.</summary>
    GuestCpuMap CreateGuestCpuMap(string owner);

    /// <summary>Lets the hardware process queued work (invalidation queues, command buffers), as a driver polling
    /// a completion would; returns the number of items processed.</summary>
    int Relax(int count = 1);
}

/// <summary>Host physical memory (the CPU's view of RAM). Never throws for an address: answers false.</summary>
public interface IHostMemory
{
    bool TryRead(ulong address, Span<byte> destination);
    bool TryWrite(ulong address, ReadOnlySpan<byte> source);
    bool TryReadLe(ulong address, int width, out ulong value);
    bool TryWriteLe(ulong address, int width, ulong value);
    bool TryReadBe(ulong address, int width, out ulong value);
    bool TryWriteBe(ulong address, int width, ulong value);
}

/// <summary>CPU loads and stores to physical addresses outside RAM (MMIO). An address nothing decodes reads all-ones.</summary>
public interface ICpuMmio
{
    ulong Read(ulong address, int width);
    void Write(ulong address, int width, ulong value);
}
