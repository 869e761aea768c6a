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
/// <param name="Peer">Set when the fabric delivered the transfer to another function's BAR peer to peer (PCIe switch
/// routing without ACS P2P Request Redirect, a conventional PCI bus, or inside a multifunction device): the IO bridge
/// never saw it.</param>
public readonly record struct DmaOutcome(DmaResultKind Kind, ulong Address, int BytesDone, ulong FaultAddress = 0,
    int Reason = 0, string? Event = null, int Pe = -1, string? Why = null, InterruptOutcome? Interrupt = null, Bdf? Peer = null)
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

    private readonly List<PciHostWindow> _pciWindows = [];

    public Machine(PhysicalMemory memory, IIoBridge? bridge = null)
    {
        Memory = memory;
        Bridge = bridge ?? new DirectBridge();
        Pci = new PciHierarchy(this);
    }

    /// <summary>The PCI functions, by segment; configuration access by <see cref="Bdf"/>.</summary>
    public PciHierarchy Pci { get; }

    /// <summary>Host MMIO windows through which CPU accesses reach PCI BARs (decoded after units and memory).</summary>
    public IReadOnlyList<PciHostWindow> PciWindows => _pciWindows;

    /// <summary>
    /// Opens a host bridge MMIO window: CPU accesses in [cpuBase, cpuBase+size) that neither a unit's registers nor
    /// memory claim go to PCI bus address pciBase + (address - cpuBase) on <paramref name="segment"/>. Windows are
    /// decoded after units and memory (subtractively), so they never shadow a unit mapped inside them. Windows of
    /// different segments may overlap: each is asked in turn, and the first segment whose BAR claims the address wins.
    /// </summary>
    public PciHostWindow AddPciWindow(int segment, ulong cpuBase, ulong size, ulong? pciBase = null)
    {
        if (size == 0) throw new ArgumentException("a window needs a size", nameof(size));
        var window = new PciHostWindow(Pci.Segment(segment), cpuBase, pciBase ?? cpuBase, size);
        _pciWindows.Add(window);
        return window;
    }

    /// <summary>A configuration read by <see cref="Bdf"/> (ECAM); a function that does not exist reads all-ones.</summary>
    public uint ConfigRead(Bdf bdf, int offset, int width) => Pci.ConfigRead(bdf, offset, width);

    /// <summary>A configuration write by <see cref="Bdf"/>; dropped for a function that does not exist.</summary>
    public void ConfigWrite(Bdf bdf, int offset, int width, uint value) => Pci.ConfigWrite(bdf, offset, width, value);

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

    /// <summary>
    /// A CPU load: unit registers (the MMIO bus) first, then memory, then the PCI host windows; an address nothing
    /// decodes (or a window address no BAR claims) reads all-ones (master abort).
    /// </summary>
    public ulong CpuRead(ulong address, int width)
    {
        if (Mmio.TryRead(address, width, out ulong v)) return v;
        if (Memory.TryReadLe(address, width, out v)) return v;
        foreach (var w in _pciWindows)
        {
            if (w.Contains(address, width) && w.Segment.ReadMemory(w.PciBase + (address - w.CpuBase), width, out v)) return v;
        }
        return MmioBus.AllOnes(width);
    }

    /// <summary>A CPU store; dropped where nothing decodes the address. True when something claimed it.</summary>
    public bool CpuWrite(ulong address, int width, ulong value)
    {
        if (Mmio.TryWrite(address, width, value)) return true;
        if (Memory.TryWriteLe(address, width, value)) return true;
        foreach (var w in _pciWindows)
        {
            if (w.Contains(address, width) && w.Segment.WriteMemory(w.PciBase + (address - w.CpuBase), width, value & MmioBus.AllOnes(width))) return true;
        }
        return false;
    }

    // ---- device side ----------------------------------------------------------------------------

    /// <summary>
    /// A DMA read or write by <paramref name="issuer"/> of <paramref name="buffer"/>.Length bytes at bus address
    /// <paramref name="address"/>. The transfer is cut at 4 KiB boundaries; each chunk goes through the IO bridge,
    /// and the transfer stops at the first chunk that is not allowed (as a device's DMA engine stops on an error
    /// completion). For a read, <paramref name="buffer"/> receives the bytes.
    /// </summary>
    /// <remarks>
    /// A function present in <see cref="Pci"/> with Bus Master Enable clear issues nothing (PCI Local Bus 3.0 §6.2.2
    /// bit 2): the outcome is Abort with no bytes moved. A request that ends in master abort, or a read the IO bridge
    /// blocks (completed with Unsupported Request), sets the function's Received Master Abort status bit (§6.2.3
    /// bit 13; PCIe Base §7.5.1.1.4).
    /// </remarks>
    public DmaOutcome Dma(Bdf issuer, ulong address, Span<byte> buffer, DmaDirection direction, uint? pasid = null)
    {
        var function = Pci.Function(issuer);
        if (function is { BusMasterEnabled: false })
            return new DmaOutcome(DmaResultKind.Abort, 0, 0, address, Why: $"{issuer} has Bus Master Enable clear: it cannot issue DMA");
        if (function is not null)
        {
            // A bridge forwards upstream memory requests only with its Bus Master Enable set (PCI-to-PCI Bridge
            // Architecture 1.2 §3.2.2.1); otherwise the request ends in Unsupported Request.
            foreach (var b in Pci.Segment(issuer.Segment).BridgesAbove(function))
            {
                if (b.BusMasterEnabled) continue;
                function.RecordReceivedMasterAbort();
                return new DmaOutcome(DmaResultKind.Abort, 0, 0, address, Why: $"bridge {b.Bdf} above {issuer} has Bus Master Enable clear");
            }
        }
        var outcome = Transfer(issuer, function, address, buffer, direction, pasid);
        if (function is not null && (outcome.Kind == DmaResultKind.Abort || (outcome.Kind == DmaResultKind.Fault && direction == DmaDirection.Read)))
            function.RecordReceivedMasterAbort();
        return outcome;
    }

    private DmaOutcome Transfer(Bdf issuer, PciFunction? function, ulong address, Span<byte> buffer, DmaDirection direction, uint? pasid)
    {
        var wire = WireRequester(issuer);
        int done = 0;
        ulong firstPa = 0;
        Bdf? peer = null;
        while (done < buffer.Length || (buffer.Length == 0 && done == 0))
        {
            ulong bus = address + (ulong)done;
            int chunk = (int)Math.Min((ulong)(buffer.Length - done), PhysicalMemory.PageSize - (bus & (PhysicalMemory.PageSize - 1)));
            if (function is not null && chunk > 0)
            {
                // The fabric may deliver the request to a peer before the root complex sees it.
                var route = PeerToPeerRouting.Route(Pci.Segment(issuer.Segment), function, bus, chunk);
                if (route.Kind == PeerRouteKind.Unclaimed)
                    return new DmaOutcome(DmaResultKind.Abort, bus, done, bus, Why: route.Why);
                if (route.Kind == PeerRouteKind.Peer)
                {
                    AccessPeer(route.Target, buffer.Slice(done, chunk), direction);
                    if (done == 0) firstPa = bus;
                    peer = route.Target.Function.Bdf;
                    done += chunk;
                    continue;
                }
            }
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
        return new DmaOutcome(DmaResultKind.Ok, firstPa, done, Peer: peer);
    }

    /// <summary>A peer-to-peer transfer into another function's BAR, in naturally aligned dwords where possible.</summary>
    private static void AccessPeer(PciMemoryTarget target, Span<byte> data, DmaDirection direction)
    {
        for (int i = 0; i < data.Length;)
        {
            ulong offset = target.Offset + (ulong)i;
            int w = (offset & 3) == 0 && data.Length - i >= 4 ? 4 : 1;
            if (direction == DmaDirection.Write)
            {
                ulong v = 0;
                for (int b = w - 1; b >= 0; b--) v = (v << 8) | data[i + b];
                target.Function.WriteMemory(target.Bar, offset, w, v);
            }
            else
            {
                ulong v = target.Function.ReadMemory(target.Bar, offset, w);
                for (int b = 0; b < w; b++) data[i + b] = (byte)(v >> (8 * b));
            }
            i += w;
        }
    }

    /// <summary>An MSI/MSI-X write by <paramref name="issuer"/>: remapped/validated by the IO bridge, then delivered.</summary>
    /// <remarks>An MSI is a memory write: a known function with Bus Master Enable clear cannot send it (PCIe Base §7.5.1.1.3).</remarks>
    public InterruptOutcome Msi(Bdf issuer, ulong address, uint data)
    {
        if (Pci.Function(issuer) is { BusMasterEnabled: false })
            return InterruptOutcome.Blocked(0, $"{issuer} has Bus Master Enable clear: it cannot send an MSI");
        return Deliver(WireRequester(issuer), address, data);
    }

    private InterruptOutcome Deliver(Bdf wire, ulong address, uint data)
    {
        var outcome = Bridge.Remap(new MsiRequest(wire.Segment, wire.RequesterId, address, data));
        if (outcome.Kind == InterruptResultKind.Delivered)
            Interrupts.Deliver(outcome.Destination, outcome.Vector, wire.RequesterId);
        return outcome;
    }
}
