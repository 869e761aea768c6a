using System.Numerics;
using Conformance.Reference.Text;

namespace Conformance.Reference.Power;

/// <summary>One MMIO window of a PHB: a CPU access at <see cref="CpuBase"/> + x reaches PCI address <see cref="PciBase"/> + x.</summary>
public readonly record struct PhbWindow(ulong CpuBase, ulong PciBase, ulong Size)
{
    public bool ContainsPci(ulong pci) => pci >= PciBase && pci - PciBase < Size;
}

/// <summary>
/// A POWER unit of a vector (formats.md §4 "POWER units"): one PHB4 as skiboot sets it up.
/// <c>phb_id</c> is the OPAL PHB id, <c>num_pe</c> the number of PEs (default 512, the last one reserved),
/// <c>m32</c>/<c>m64</c> the MMIO windows, <c>mmio</c> the optional register block base.
/// Extensions: <c>segment</c> (the PCI domain the PHB roots; default <c>phb_id</c>), <c>num_irqs</c> (interrupt
/// sources, default 4096; the last 8 are LSIs), <c>mbt_size</c> (M64 BAR table entries, default 32), <c>irq_base</c>
/// (the XIVE global interrupt number of source 0, skiboot <c>p-&gt;base_msi</c>; default <see cref="DefaultIrqBase"/>).
/// </summary>
public sealed record PhbConfig
{
    public string Id { get; init; } = "phb0";
    public ulong PhbId { get; init; }
    public int Segment { get; init; }
    public ulong? MmioBase { get; init; }
    public int NumPe { get; init; } = 512;
    public PhbWindow M32 { get; init; } = new(0x6000_0000_0000, 0x8000_0000, 0x8000_0000);
    public PhbWindow? M64 { get; init; }
    public int NumIrqs { get; init; } = 4096;
    public int MbtSize { get; init; } = 32;
    /// <summary>The girq of interrupt source 0 (skiboot <c>p-&gt;base_msi</c>, exported in <c>ibm,opal-msi-ranges</c>); null: <see cref="DefaultIrqBase"/>.</summary>
    public uint? IrqBase { get; init; }

    /// <summary>The girq of source <c>n</c> is <see cref="EffectiveIrqBase"/> + n.</summary>
    public uint EffectiveIrqBase => IrqBase ?? DefaultIrqBase(PhbId, NumIrqs);

    /// <summary>
    /// Where skiboot puts a P9 PHB's sources: <c>phb4_create</c> calls <c>xive_alloc_hw_irqs(chip, num_irqs, num_irqs)</c>,
    /// which allocates downward from the top of the chip's XIVE block (block &lt;&lt; 20 | 2^20, aligned to the count),
    /// PHB index 0 first; the OPAL id is <c>chip * 6 + index</c> (<c>phb4_get_opal_id</c>, MAX_PHBS_PER_CHIP_P9). So
    /// with 4096 sources per PHB, PHB 0 of chip 0 starts at 0xff000, PHB 1 at 0xfe000. (Block = chip id assumed.)
    /// </summary>
    public static uint DefaultIrqBase(ulong phbId, int numIrqs)
    {
        uint chip = (uint)(phbId / 6) & 0xf, index = (uint)(phbId % 6);
        uint align = BitOperations.RoundUpToPowerOf2((uint)numIrqs);
        return (chip << Xive.IntShift) | ((1u << Xive.IntShift) - (index + 1) * align);
    }

    /// <summary>skiboot's reserved PE (<c>ibm,opal-reserved-pe</c>): the last one.</summary>
    public int ReservedPe => NumPe - 1;

    /// <summary>
    /// The M32 segment size. skiboot exports the 2 GB M32 window minus 64 KB (the 32-bit MSI window), and Linux
    /// computes <c>m32_segsize = (size + 0x10000) / total_pe_num</c>; a window given whole divides evenly itself.
    /// </summary>
    public ulong M32SegmentSize =>
        (BitOperations.IsPow2(M32.Size + 0x10000) ? M32.Size + 0x10000 : M32.Size) / (ulong)NumPe;

    /// <summary>Linux <c>m64_segsize = m64_size / total_pe_num</c>.</summary>
    public ulong M64SegmentSize => M64 is { } w ? w.Size / (ulong)NumPe : 0;

    /// <summary>Reads a vector's <c>units[]</c> entry; every error names its file, line and column.</summary>
    public static PhbConfig Read(JsonValue unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        unit.AllowOnly("id", "phb_id", "segment", "mmio", "num_pe", "m32", "m64", "num_irqs", "mbt_size", "irq_base");
        string id = unit.Get("id")?.AsString() ?? "phb0";
        var phbIdValue = unit.Require("phb_id");
        ulong phbId = phbIdValue.AsUInt64();
        int numPe = 512;
        if (unit.Get("num_pe") is { } np)
        {
            numPe = np.AsInt(2, 512);
            if (!BitOperations.IsPow2(numPe)) throw np.Error($"num_pe {numPe} is not a power of two (PHB4 has 256 or 512 PEs)");
        }
        int segment;
        if (unit.Get("segment") is { } seg) segment = seg.AsInt(0, 0xffff);
        else if (phbId <= 0xffff) segment = (int)phbId;
        else throw phbIdValue.Error($"phb_id 0x{phbId:x} does not fit a PCI domain number; give \"segment\"");
        int numIrqs = unit.Get("num_irqs")?.AsInt(16, 0x10000) ?? 4096;
        int mbtSize = unit.Get("mbt_size")?.AsInt(2, 64) ?? 32;
        uint? irqBase = null;
        if (unit.Get("irq_base") is { } ib)
        {
            ulong b = ib.AsUInt64();
            if (b + (ulong)numIrqs > 1UL << (Xive.IntShift + 4)) throw ib.Error($"irq_base 0x{b:x} + {numIrqs} sources is beyond the 24-bit girq space");
            irqBase = (uint)b;
        }
        var m32 = ReadWindow(unit.Require("m32"), "m32", requirePow2: false);
        var cfg = new PhbConfig
        {
            Id = id, PhbId = phbId, Segment = segment, MmioBase = unit.Get("mmio")?.AsUInt64(), NumPe = numPe,
            M32 = m32, NumIrqs = numIrqs, MbtSize = mbtSize, IrqBase = irqBase,
        };
        var m32Node = unit.Require("m32");
        if (!BitOperations.IsPow2(m32.Size + 0x10000) && m32.Size % (ulong)numPe != 0)
            throw m32Node.Error($"m32 size 0x{m32.Size:x} does not split into {numPe} equal segments");
        if (cfg.M32SegmentSize < 0x1000)
            throw m32Node.Error($"m32 segments of 0x{cfg.M32SegmentSize:x} bytes are smaller than a 4 KiB page");
        if (unit.Get("m64") is { } m64Node)
        {
            var m64 = ReadWindow(m64Node, "m64", requirePow2: true);
            if (m64.Size / (ulong)numPe < 0x1000) throw m64Node.Error($"m64 size 0x{m64.Size:x} is too small for {numPe} segments");
            if (m64.PciBase % m64.Size != 0) throw m64Node.Error("m64 pci_base must be aligned to the window size (an M64 BAR is base/mask)");
            if (Overlaps(m64.CpuBase, m64.Size, m32.CpuBase, m32.Size)) throw m64Node.Error("m64 overlaps m32 in CPU address space");
            cfg = cfg with { M64 = m64 };
        }
        return cfg;
    }

    private static bool Overlaps(ulong a, ulong aSize, ulong b, ulong bSize) => a < b + bSize && b < a + aSize;

    private static PhbWindow ReadWindow(JsonValue w, string name, bool requirePow2)
    {
        w.AllowOnly("cpu_base", "pci_base", "size");
        ulong cpu = w.Require("cpu_base").AsUInt64();
        ulong pci = w.Require("pci_base").AsUInt64();
        var sizeNode = w.Require("size");
        ulong size = sizeNode.AsUInt64();
        if (size == 0) throw sizeNode.Error($"{name} size must not be 0");
        if (requirePow2 && !BitOperations.IsPow2(size)) throw sizeNode.Error($"{name} size 0x{size:x} is not a power of two");
        if (cpu + size < cpu || pci + size < pci) throw sizeNode.Error($"{name} wraps around the address space");
        if ((cpu & 0xfff) != 0 || (pci & 0xfff) != 0 || (size & 0xfff) != 0)
            throw w.Error($"{name} bases and size must be 4 KiB aligned");
        return new PhbWindow(cpu, pci, size);
    }
}
