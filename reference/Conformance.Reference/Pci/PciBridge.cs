using Conformance.Reference.Topology;

namespace Conformance.Reference.Pci;

/// <summary>An address range a bridge forwards; empty when base &gt; limit.</summary>
public readonly record struct BridgeWindow(ulong Base, ulong Limit)
{
    public bool IsOpen => Base <= Limit;
    public bool Contains(ulong address, int width) => IsOpen && address >= Base && address <= Limit && Limit - address >= (ulong)(width - 1);
    public override string ToString() => IsOpen ? $"[0x{Base:x}-0x{Limit:x}]" : "[closed]";
}

/// <summary>
/// A function with the type 1 header (PCI-to-PCI Bridge Architecture 1.2 §3.2; PCIe Base 6.x §7.5.1.3): root
/// ports, switch ports and PCI bridges. Bus numbers are writable; the memory window (0x20/0x22) and prefetchable
/// window (0x24/0x26, 64-bit with upper halves at 0x28/0x2C) have 1 MiB granularity (address bits 31:20 in register
/// bits 15:4, limit's low 20 bits implied all-ones). The bridge forwards a memory request downstream when Memory
/// Space Enable is set and the address falls in either window.
/// </summary>
public class PciBridge : PciFunction
{
    public const ulong WindowGranularity = 1UL << 20;

    public PciBridge(DeviceSpec spec, bool multifunction, MsixSpec? msix = null) : base(spec, multifunction, msix)
    {
        var c = Config;
        c.Set8(PciConfig.PrimaryBus, spec.Bdf.Bus);
        c.Set8(PciConfig.SecondaryBus, spec.Secondary ?? 0);
        c.Set8(PciConfig.SubordinateBus, spec.Subordinate ?? spec.Secondary ?? 0);
        c.SetWritable(PciConfig.PrimaryBus, 4, spec.Kind.IsPcie() ? 0x00FF_FFFFu : 0xFFFF_FFFFu);
        // I/O window: 16-bit decode (low nibble 0h), 4 KiB granularity.
        c.SetWritable(PciConfig.IoBase, 2, 0xF0F0);
        c.Set8(PciConfig.IoBase, 0xF0); // closed
        c.SetClearOnOne(PciConfig.SecondaryStatus, 2, StatusClearOnOne);
        // Memory window, closed at reset (base above limit).
        c.Set16(PciConfig.MemoryBase, 0xFFF0);
        c.SetWritable(PciConfig.MemoryBase, 4, 0xFFF0_FFF0);
        // Prefetchable window: low nibble 1h = 64-bit addressing, closed at reset.
        c.Set16(PciConfig.PrefetchBase, 0xFFF1);
        c.Set16(PciConfig.PrefetchLimit, 0x0001);
        c.SetWritable(PciConfig.PrefetchBase, 4, 0xFFF0_FFF0);
        c.Set32(PciConfig.PrefetchBaseUpper, 0xFFFF_FFFF);
        c.SetWritable(PciConfig.PrefetchBaseUpper, 4, 0xFFFF_FFFF);
        c.SetWritable(PciConfig.PrefetchLimitUpper, 4, 0xFFFF_FFFF);
        // Bridge control: parity response, SERR#, ISA, VGA, master abort mode, secondary bus reset.
        c.SetWritable(PciConfig.BridgeControl, 2, 0x006F);
    }

    private bool _secondaryResetAsserted;

    /// <summary>
    /// Bridge Control bit 6, Secondary Bus Reset (PCI-to-PCI Bridge Architecture 1.2 §3.2.5.17): setting it resets
    /// every function below the bridge (conventional reset); the bridge's own registers are untouched.
    /// </summary>
    protected override void OnConfigWritten(int offset, int width, uint value)
    {
        if (offset > PciConfig.BridgeControl || offset + width <= PciConfig.BridgeControl) return;
        bool asserted = (Config.Get16(PciConfig.BridgeControl) & 0x40) != 0;
        if (asserted && !_secondaryResetAsserted && Machine is { } m)
        {
            foreach (var f in m.Pci.Segment(Bdf.Segment).Functions.ToList())
            {
                if (f.Bdf.Bus > Bdf.Bus && RoutesBus(f.Bdf.Bus)) f.Reset();
            }
        }
        _secondaryResetAsserted = asserted;
    }

    protected override void OnReset() => _secondaryResetAsserted = false;

    public byte PrimaryBus => Config.Get8(PciConfig.PrimaryBus);
    public byte SecondaryBus => Config.Get8(PciConfig.SecondaryBus);
    public byte SubordinateBus => Config.Get8(PciConfig.SubordinateBus);

    public BridgeWindow MemoryWindow => new(
        (ulong)(Config.Get16(PciConfig.MemoryBase) & 0xFFF0) << 16,
        ((ulong)(Config.Get16(PciConfig.MemoryLimit) & 0xFFF0) << 16) | (WindowGranularity - 1));

    public BridgeWindow PrefetchableWindow => new(
        ((ulong)(Config.Get16(PciConfig.PrefetchBase) & 0xFFF0) << 16) | ((ulong)Config.Get32(PciConfig.PrefetchBaseUpper) << 32),
        ((ulong)(Config.Get16(PciConfig.PrefetchLimit) & 0xFFF0) << 16) | ((ulong)Config.Get32(PciConfig.PrefetchLimitUpper) << 32) | (WindowGranularity - 1));

    /// <summary>Whether a memory request at <paramref name="address"/> on the primary side is forwarded to the secondary.</summary>
    public bool ForwardsMemory(ulong address, int width) =>
        MemorySpaceEnabled && (MemoryWindow.Contains(address, width) || PrefetchableWindow.Contains(address, width));

    /// <summary>Programs the memory window as firmware does (base and limit rounded to 1 MiB; empty range closes it).</summary>
    public void ProgramMemoryWindow(ulong baseAddress, ulong limit)
    {
        if (limit < baseAddress) { Config.Write(PciConfig.MemoryBase, 4, 0x0000_FFF0); return; }
        Config.Write(PciConfig.MemoryBase, 2, (uint)(baseAddress >> 16) & 0xFFF0);
        Config.Write(PciConfig.MemoryLimit, 2, (uint)(limit >> 16) & 0xFFF0);
    }

    public void ProgramPrefetchableWindow(ulong baseAddress, ulong limit)
    {
        if (limit < baseAddress)
        {
            Config.Write(PciConfig.PrefetchBase, 4, 0x0000_FFF0);
            Config.Write(PciConfig.PrefetchBaseUpper, 4, 0xFFFF_FFFF);
            Config.Write(PciConfig.PrefetchLimitUpper, 4, 0);
            return;
        }
        Config.Write(PciConfig.PrefetchBase, 2, (uint)(baseAddress >> 16) & 0xFFF0);
        Config.Write(PciConfig.PrefetchLimit, 2, (uint)(limit >> 16) & 0xFFF0);
        Config.Write(PciConfig.PrefetchBaseUpper, 4, (uint)(baseAddress >> 32));
        Config.Write(PciConfig.PrefetchLimitUpper, 4, (uint)(limit >> 32));
    }

    /// <summary>The I/O window (16-bit decode, 4 KiB granularity: PCI-to-PCI Bridge Architecture 1.2 §3.2.5.6).</summary>
    public BridgeWindow IoWindow => new(
        (ulong)(Config.Get8(PciConfig.IoBase) & 0xF0) << 8,
        ((ulong)(Config.Get8(PciConfig.IoLimit) & 0xF0) << 8) | 0xFFF);

    public void ProgramIoWindow(ulong baseAddress, ulong limit)
    {
        if (limit < baseAddress || limit > 0xFFFF) { Config.Write(PciConfig.IoBase, 2, 0x00F0); return; }
        Config.Write(PciConfig.IoBase, 1, (uint)(baseAddress >> 8) & 0xF0);
        Config.Write(PciConfig.IoLimit, 1, (uint)(limit >> 8) & 0xF0);
    }

    public bool RoutesBus(byte bus) => bus >= SecondaryBus && bus <= SubordinateBus;
}
