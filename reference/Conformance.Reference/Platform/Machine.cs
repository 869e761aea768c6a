using Conformance.Reference.Bus;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;

namespace Conformance.Reference.Platform;

/// <summary>What happened to a whole DMA transfer.</summary>
/// <param name="Kind">Ok when every byte moved; otherwise the outcome of the first chunk that did not.</param>
/// <param name="Address">Host physical address of the first byte (Ok), or of the failing chunk's translation.</param>
/// <param name="BytesDone">Bytes moved before the transfer stopped.</param>
/// <param name="FaultAddress">The bus address of the chunk that stopped the transfer.</param>
public readonly record struct DmaOutcome(DmaResultKind Kind, ulong Address, int BytesDone, ulong FaultAddress = 0,
    int Reason = 0, string? Event = null, int Pe = -1, string? Why = null, InterruptOutcome? Interrupt = null)
{
    public bool IsOk => Kind == DmaResultKind.Ok;
}

/// <summary>
/// The simulated machine: host physical memory, the CPU's MMIO space, the PCI functions, the CPUs' interrupt
/// controllers, and the IO bridge (IOMMU or PHB) through which every device DMA and interrupt passes.
/// </summary>
public sealed class Machine
{
    private readonly List<ITickable> _tickables = [];
    private readonly Dictionary<string, UnitMapping> _units = new(StringComparer.Ordinal);

    public Machine(PhysicalMemory memory, IIoBridge? bridge = null)
    {
        Memory = memory;
        Bridge = bridge ?? new DirectBridge();
    }

    public PhysicalMemory Memory { get; }
    public MmioBus Mmio { get; } = new();
    public InterruptController Interrupts { get; } = new();
    public IIoBridge Bridge { get; set; }

    /// <summary>
    /// Gives the requester as it appears at the root complex for DMA issued by a function (DMA aliasing:
    /// PCIe-to-PCI bridges, quirk aliases, VMD). Set by the platform builder; default: the function itself.
    /// </summary>
    public Func<Bdf, Bdf> WireRequester { get; set; } = static b => b;

    public sealed record UnitMapping(string Id, ulong Base, ulong Size, IMmioRegion Region);

    public IReadOnlyDictionary<string, UnitMapping> Units => _units;

    /// <summary>Places a hardware unit's register block (a DMAR unit, a PHB) on the MMIO bus under a name.</summary>
    public void AddUnit(string id, ulong baseAddress, ulong size, IMmioRegion region)
    {
        Mmio.Map(baseAddress, size, region, id);
        _units.Add(id, new UnitMapping(id, baseAddress, size, region));
        if (region is ITickable t) _tickables.Add(t);
    }

    public void AddTickable(ITickable t) => _tickables.Add(t);

    /// <summary>Lets every unit process up to <paramref name="count"/> queued items.</summary>
    public void Tick(int count = 1)
    {
        foreach (var t in _tickables) t.Tick(count);
    }

    // ---- CPU side -------------------------------------------------------------------------------

    /// <summary>A CPU load: MMIO first, then memory; an address nothing decodes reads all-ones (master abort).</summary>
    public ulong CpuRead(ulong address, int width)
    {
        if (Mmio.TryRead(address, width, out ulong v)) return v;
        if (Memory.TryReadLe(address, width, out v)) return v;
        return MmioBus.AllOnes(width);
    }

    /// <summary>A CPU store; dropped where nothing decodes the address.</summary>
    public bool CpuWrite(ulong address, int width, ulong value)
    {
        if (Mmio.TryWrite(address, width, value)) return true;
        return Memory.TryWriteLe(address, width, value);
    }

    // ---- device side ----------------------------------------------------------------------------

    /// <summary>
    /// A DMA read or write by <paramref name="issuer"/> of <paramref name="buffer"/>.Length bytes at bus address
    /// <paramref name="address"/>. The transfer is cut at 4 KiB boundaries; each chunk goes through the IO bridge,
    /// and the transfer stops at the first chunk that is not allowed (as a device's DMA engine stops on an error
    /// completion). For a read, <paramref name="buffer"/> receives the bytes.
    /// </summary>
    public DmaOutcome Dma(Bdf issuer, ulong address, Span<byte> buffer, DmaDirection direction, uint? pasid = null)
    {
        var wire = WireRequester(issuer);
        int done = 0;
        ulong firstPa = 0;
        while (done < buffer.Length || (buffer.Length == 0 && done == 0))
        {
            ulong bus = address + (ulong)done;
            int chunk = (int)Math.Min((ulong)(buffer.Length - done), PhysicalMemory.PageSize - (bus & (PhysicalMemory.PageSize - 1)));
            var t = Bridge.Translate(new DmaRequest(wire.Segment, wire.RequesterId, bus, chunk, direction, pasid));
            switch (t.Kind)
            {
                case DmaResultKind.Ok:
                {
                    var span = buffer.Slice(done, chunk);
                    bool ok = direction == DmaDirection.Read ? Memory.TryRead(t.Address, span) : Memory.TryWrite(t.Address, span);
                    if (!ok)
                        return new DmaOutcome(DmaResultKind.Abort, t.Address, done, bus, Why: $"host physical 0x{t.Address:x} is not backed (master abort)");
                    if (done == 0) firstPa = t.Address;
                    break;
                }
                case DmaResultKind.Interrupt:
                {
                    // An interrupt request: the data of a DWORD write is the MSI data (Intel SDM §11.11).
                    uint data = 0;
                    var s = buffer.Slice(done, Math.Min(4, chunk));
                    for (int i = s.Length - 1; i >= 0; i--) data = (data << 8) | s[i];
                    var io = Deliver(wire, bus, data);
                    return new DmaOutcome(DmaResultKind.Interrupt, bus, done + chunk, bus, io.Reason, io.Event, Interrupt: io);
                }
                default:
                    return new DmaOutcome(t.Kind, t.Address, done, bus, t.Reason, t.Event, t.Pe, t.Why);
            }
            done += chunk;
            if (buffer.Length == 0) break;
        }
        return new DmaOutcome(DmaResultKind.Ok, firstPa, done);
    }

    /// <summary>An MSI/MSI-X write by <paramref name="issuer"/>: remapped/validated by the IO bridge, then delivered.</summary>
    public InterruptOutcome Msi(Bdf issuer, ulong address, uint data) => Deliver(WireRequester(issuer), address, data);

    private InterruptOutcome Deliver(Bdf wire, ulong address, uint data)
    {
        var outcome = Bridge.Remap(new MsiRequest(wire.Segment, wire.RequesterId, address, data));
        if (outcome.Kind == InterruptResultKind.Delivered)
            Interrupts.Deliver(outcome.Destination, outcome.Vector, wire.RequesterId);
        return outcome;
    }
}
