using Conformance.Reference.IntelVtd;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.Tests.IntelVtd;

/// <summary>
/// Builds VT-d tables in simulated memory and drives one DMAR unit the way a driver does (registers, tables,
/// invalidations). Memory: 1 GiB at 0; tables are allocated from 16 MiB up, data pages live below.
/// </summary>
internal sealed class VtdTables
{
    public const ulong MmioBase = 0xFED9_0000;
    public const ulong MemorySize = 1UL << 30;
    private ulong _nextPage = 0x100_0000;

    public VtdTables(VtdUnitConfig? config = null, IEnumerable<MemoryRegion>? memory = null)
    {
        Memory = new PhysicalMemory(memory ?? [new MemoryRegion(0, MemorySize)]);
        Machine = new Machine(Memory);
        Config = config ?? new VtdUnitConfig { Id = "dmar0", MmioBase = MmioBase };
        Bridge = VtdPlatform.Attach(Machine, [Config]);
        Unit = Bridge.Units[0];
    }

    public PhysicalMemory Memory { get; }
    public Machine Machine { get; }
    public VtdUnitConfig Config { get; }
    public VtdBridge Bridge { get; }
    public VtdUnit Unit { get; }
    public ulong RootTable { get; private set; }

    public ulong AllocPage()
    {
        ulong p = _nextPage;
        _nextPage += 0x1000;
        return p;
    }

    // ---- registers --------------------------------------------------------------------------------
    public ulong Reg(int offset, int width = 4) => Machine.CpuRead(MmioBase + (ulong)offset, width);
    public void SetReg(int offset, ulong value, int width = 4) => Machine.CpuWrite(MmioBase + (ulong)offset, width, value);
    public ulong Read64(ulong address) => Memory.TryReadLe(address, 8, out ulong v) ? v : throw new InvalidOperationException($"0x{address:x} not backed");
    public void Write64(ulong address, ulong value) { if (!Memory.TryWriteLe(address, 8, value)) throw new InvalidOperationException($"0x{address:x} not backed"); }

    /// <summary>GCMD one command at a time: the persistent bits as GSTS shows them, plus (or minus) the command.</summary>
    public void Command(GlobalCommandBits bit, bool on = true)
    {
        const uint persistent = (uint)(GlobalCommandBits.TranslationEnable | GlobalCommandBits.QueuedInvalidationEnable
            | GlobalCommandBits.InterruptRemappingEnable | GlobalCommandBits.CompatibilityFormatInterrupt);
        uint status = (uint)Reg(GlobalStatus) & persistent;
        SetReg(GlobalCommand, on ? status | (uint)bit : status & ~(uint)bit);
    }

    // ---- DMA remapping tables -------------------------------------------------------------------------
    public VtdTables WithRootTable()
    {
        RootTable = AllocPage();
        SetReg(RootTableAddress, RootTable, 8);
        Command(GlobalCommandBits.SetRootTablePointer);
        return this;
    }

    public VtdTables EnableTranslation()
    {
        if (RootTable == 0) WithRootTable();
        Command(GlobalCommandBits.TranslationEnable);
        return this;
    }

    public ulong ContextEntryAddress(Bdf bdf)
    {
        ulong re = RootTable + (ulong)bdf.Bus * 16;
        ulong lo = Read64(re);
        if ((lo & 1) == 0)
        {
            lo = AllocPage() | 1;
            Write64(re, lo);
        }
        return (lo & ~0xFFFUL) + (ulong)bdf.DevFn * 16;
    }

    /// <summary>Writes a legacy context entry: TT 0 (or 2 for pass-through), AW = levels - 2, DID.</summary>
    public void SetContext(Bdf bdf, ulong slptptr, int levels = 4, ushort domainId = 1, TranslationType type = TranslationType.UntranslatedOnly, bool fpd = false)
    {
        ulong at = ContextEntryAddress(bdf);
        Write64(at, slptptr | ((ulong)type << 2) | (fpd ? 2UL : 0) | 1);
        Write64(at + 8, (ulong)(uint)(levels - 2) | ((ulong)domainId << 8));
    }

    /// <summary>A new, empty top-level second-level table for a domain.</summary>
    public ulong NewDomain() => AllocPage();

    /// <summary>Maps <paramref name="iova"/> to <paramref name="pa"/> with a leaf at <paramref name="pageLevel"/> (1: 4 KiB, 2: 2 MiB, 3: 1 GiB).</summary>
    public void Map(ulong top, int levels, ulong iova, ulong pa, int pageLevel = 1, bool read = true, bool write = true)
    {
        ulong table = top;
        for (int level = levels; level > pageLevel; level--)
        {
            ulong at = table + ((iova >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            ulong e = Read64(at);
            if ((e & 3) == 0)
            {
                e = AllocPage() | 3;
                Write64(at, e);
            }
            table = e & 0x000F_FFFF_FFFF_F000UL;
        }
        ulong leaf = table + ((iova >> (12 + 9 * (pageLevel - 1))) & 0x1FF) * 8;
        Write64(leaf, pa | (read ? 1UL : 0) | (write ? 2UL : 0) | (pageLevel > 1 ? 0x80UL : 0));
    }

    /// <summary>Address of the entry at <paramref name="level"/> for <paramref name="iova"/> (the tables must exist down to it).</summary>
    public ulong EntryAddress(ulong top, int levels, ulong iova, int level)
    {
        ulong table = top;
        for (int l = levels; l > level; l--)
            table = Read64(table + ((iova >> (12 + 9 * (l - 1))) & 0x1FF) * 8) & 0x000F_FFFF_FFFF_F000UL;
        return table + ((iova >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
    }

    public DmaTranslation Translate(Bdf bdf, ulong iova, bool write = false) =>
        Bridge.Translate(new DmaRequest(bdf.Segment, bdf.RequesterId, iova, 4, write ? DmaDirection.Write : DmaDirection.Read));

    /// <summary>A device with one 4-level domain, translation on: the common starting point.</summary>
    public static (VtdTables T, ulong Top) WithDevice(Bdf bdf, ushort domainId = 1, int levels = 4, VtdUnitConfig? config = null)
    {
        var t = new VtdTables(config).WithRootTable();
        ulong top = t.NewDomain();
        t.SetContext(bdf, top, levels, domainId);
        t.EnableTranslation();
        return (t, top);
    }

    // ---- invalidation queue -------------------------------------------------------------------------
    public ulong QueueBase { get; private set; }

    public VtdTables EnableQueue(int qs = 0)
    {
        QueueBase = AllocPage();
        for (int i = 1; i < (1 << qs) * 4; i++) AllocPage(); // 2^(QS+8) * 16 bytes
        SetReg(InvalidationQueueAddress, QueueBase | (uint)qs, 8);
        SetReg(InvalidationQueueTail, 0, 8);
        Command(GlobalCommandBits.QueuedInvalidationEnable);
        return this;
    }

    /// <summary>Writes descriptors at the tail and moves IQT past them (nothing runs until a tick).</summary>
    public void Submit(params (ulong Lo, ulong Hi)[] descriptors)
    {
        int entries = 1 << ((int)(Reg(InvalidationQueueAddress, 8) & 7) + 8);
        int tail = (int)((Reg(InvalidationQueueTail, 8) >> 4) & 0x7FFF);
        foreach (var (lo, hi) in descriptors)
        {
            ulong at = QueueBase + (ulong)tail * 16;
            Write64(at, lo);
            Write64(at + 8, hi);
            tail = (tail + 1) % entries;
        }
        SetReg(InvalidationQueueTail, (ulong)tail << 4, 8);
    }

    public int Head => (int)((Reg(InvalidationQueueHead, 8) >> 4) & 0x7FFF);

    // ---- interrupt remapping --------------------------------------------------------------------------
    public ulong IrTable { get; private set; }

    public VtdTables EnableInterruptRemapping(int sizeField = 7, bool eime = false, bool compatibility = false)
    {
        IrTable = AllocPage();
        for (int i = 1; i < (2 << sizeField) * 16 / 0x1000; i++) AllocPage();
        SetReg(InterruptRemappingTableAddress, IrTable | (eime ? 0x800UL : 0) | (uint)sizeField, 8);
        Command(GlobalCommandBits.SetInterruptRemapTablePointer);
        if (compatibility) Command(GlobalCommandBits.CompatibilityFormatInterrupt);
        Command(GlobalCommandBits.InterruptRemappingEnable);
        return this;
    }

    public void SetIrte(int index, ulong lo, ulong hi)
    {
        Write64(IrTable + (ulong)index * 16, lo);
        Write64(IrTable + (ulong)index * 16 + 8, hi);
    }

    /// <summary>A remapped-format IRTE: present, fixed delivery, vector, xAPIC destination (DST bits 15:8) unless x2APIC.</summary>
    public static (ulong Lo, ulong Hi) RemappedIrte(int vector, uint apicId, bool x2apic = false, int svt = 0, int sq = 0, ushort sid = 0, bool fpd = false) =>
        (1UL | (fpd ? 2UL : 0) | ((ulong)vector << 16) | ((ulong)(x2apic ? apicId : apicId << 8) << 32),
         sid | ((ulong)sq << 16) | ((ulong)svt << 18));

    /// <summary>The MSI address of a remappable-format request for <paramref name="handle"/>.</summary>
    public static ulong RemappableAddress(int handle, bool shv = false) =>
        0xFEE0_0000UL | ((ulong)(handle & 0x7FFF) << 5) | 0x10 | (shv ? 0x8UL : 0) | ((ulong)((handle >> 15) & 1) << 2);

    public InterruptOutcome Msi(Bdf bdf, ulong address, uint data) => Machine.Msi(bdf, address, data);
}

/// <summary>VT-d spec §6.5.2 descriptors, as a driver writes them.</summary>
internal static class Descriptors
{
    public static (ulong, ulong) ContextGlobal() => (1 | 1 << 4, 0);
    public static (ulong, ulong) ContextDomain(ushort did) => (1 | 2 << 4 | (ulong)did << 16, 0);
    public static (ulong, ulong) ContextDevice(ushort did, ushort sid, int fm = 0) => (1 | 3 << 4 | (ulong)did << 16 | (ulong)sid << 32 | (ulong)fm << 48, 0);
    public static (ulong, ulong) IotlbGlobal() => (2 | 1 << 4, 0);
    public static (ulong, ulong) IotlbDomain(ushort did) => (2 | 2 << 4 | (ulong)did << 16, 0);
    public static (ulong, ulong) IotlbPages(ushort did, ulong address, int am, bool ih = false) => (2 | 3 << 4 | (ulong)did << 16, address | (ih ? 0x40UL : 0) | (uint)am);
    public static (ulong, ulong) IecGlobal() => (4, 0);
    public static (ulong, ulong) IecIndex(int index, int im = 0) => (4 | 0x10 | (ulong)im << 27 | (ulong)index << 32, 0);
    public static (ulong, ulong) Wait(ulong statusAddress, uint data, bool statusWrite = true, bool interrupt = false, bool fence = false) =>
        (5 | (interrupt ? 0x10UL : 0) | (statusWrite ? 0x20UL : 0) | (fence ? 0x40UL : 0) | (ulong)data << 32, statusAddress);
}
