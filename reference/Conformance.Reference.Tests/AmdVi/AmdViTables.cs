using Conformance.Reference.AmdVi;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>
/// Builds AMD-Vi tables in simulated memory and drives one IOMMU the way a driver does (registers, device table,
/// page tables, command buffer, event log), written from the spec layouts. Memory: 1 GiB at 0; tables from 16 MiB up.
/// </summary>
internal sealed class AmdViTables
{
    public const ulong MmioBase = 0xFEB8_0000;
    private ulong _nextPage = 0x100_0000;
    private readonly Dictionary<(ulong Table, int Index), ulong> _tables = new();

    public AmdViTables(AmdViUnitConfig? config = null)
    {
        Memory = new PhysicalMemory([new MemoryRegion(0, 1UL << 30)]);
        Machine = new Machine(Memory);
        Config = config ?? new AmdViUnitConfig { Id = "ivhd0", MmioBase = MmioBase };
        Unit = AmdViPlatform.Attach(Machine, [Config]).Units[0];
    }

    public PhysicalMemory Memory { get; }
    public Machine Machine { get; }
    public AmdViUnitConfig Config { get; }
    public AmdViUnit Unit { get; }
    public ulong DeviceTable { get; private set; }
    public ulong CommandBuffer { get; private set; }
    public ulong EventLog { get; private set; }

    public ulong AllocPage(int pages = 1)
    {
        ulong p = _nextPage;
        _nextPage += 0x1000UL * (ulong)pages;
        return p;
    }

    public ulong Reg(int offset, int width = 8) => Machine.CpuRead(MmioBase + (ulong)offset, width);
    public void SetReg(int offset, ulong value, int width = 8) => Machine.CpuWrite(MmioBase + (ulong)offset, width, value);
    public ulong Read64(ulong address) => Memory.TryReadLe(address, 8, out ulong v) ? v : throw new InvalidOperationException($"0x{address:x} not backed");
    public void Write64(ulong address, ulong value) { if (!Memory.TryWriteLe(address, 8, value)) throw new InvalidOperationException($"0x{address:x} not backed"); }

    public void SetControl(ControlBits set, ControlBits clear = ControlBits.None) =>
        SetReg(AmdViRegisterOffsets.Control, (Reg(AmdViRegisterOffsets.Control) | (ulong)set) & ~(ulong)clear);

    /// <summary>Device table of (sizeField + 1) pages, a 256-entry command buffer and event log, IOMMUEn + CmdBufEn + EventLogEn.</summary>
    public AmdViTables Enable(int sizeField = 7, int eventLen = 8)
    {
        DeviceTable = AllocPage(sizeField + 1);
        CommandBuffer = AllocPage(1);
        EventLog = AllocPage(1 << (eventLen - 8));
        SetReg(DeviceTableBase, DeviceTable | (uint)sizeField);
        SetReg(CommandBufferBase, CommandBuffer | 8UL << 56);
        SetReg(EventLogBase, EventLog | (ulong)eventLen << 56);
        SetControl(ControlBits.IommuEnable | ControlBits.CommandBufferEnable | ControlBits.EventLogEnable);
        return this;
    }

    // ---- device table -----------------------------------------------------------------------------------
    public static ushort Id(Bdf bdf) => bdf.RequesterId;

    public void SetDte(ushort deviceId, ulong q0, ulong q1 = 0, ulong q2 = 0, ulong q3 = 0)
    {
        ulong at = DeviceTable + deviceId * 32UL;
        Write64(at, q0); Write64(at + 8, q1); Write64(at + 16, q2); Write64(at + 24, q3);
    }

    /// <summary>Q0 of a translating DTE: V, TV, Mode, root, IR, IW.</summary>
    public static ulong DteQ0(ulong root, int mode, bool ir = true, bool iw = true, bool tv = true) =>
        1UL | (tv ? 2UL : 0) | (ulong)mode << 9 | root | (ir ? 1UL << 61 : 0) | (iw ? 1UL << 62 : 0);

    /// <summary>Q2 of an interrupt-remapping DTE: IV, IntTabLen, table root, IntCtl (2 = remap).</summary>
    public static ulong DteQ2(ulong table, int lengthField = 8, int intCtl = 2, bool nmiPass = false) =>
        1UL | (ulong)lengthField << 1 | table | (ulong)intCtl << 60 | (nmiPass ? 1UL << 58 : 0);

    // ---- host page tables ---------------------------------------------------------------------------------
    /// <summary>
    /// Maps <paramref name="iova"/> to <paramref name="pa"/> with a page at <paramref name="pageLevel"/> (NextLevel=0 leaf:
    /// 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB) in a walk of <paramref name="levels"/>; returns the leaf entry's address.
    /// </summary>
    public ulong Map(ulong top, int levels, ulong iova, ulong pa, int pageLevel = 1, bool ir = true, bool iw = true, ulong leafExtra = 0, int leafNextLevel = 0)
    {
        ulong table = top;
        for (int level = levels; level > pageLevel; level--)
        {
            int idx = (int)((iova >> (12 + 9 * (level - 1))) & 0x1FF);
            if (!_tables.TryGetValue((table, idx), out ulong next))
            {
                next = AllocPage();
                _tables[(table, idx)] = next;
                Write64(table + (ulong)idx * 8, next | (ulong)(level - 1) << 9 | 1UL << 61 | 1UL << 62 | 1);
            }
            table = next;
        }
        ulong at = table + ((iova >> (12 + 9 * (pageLevel - 1))) & 0x1FF) * 8;
        Write64(at, pa | (ulong)leafNextLevel << 9 | (ir ? 1UL << 61 : 0) | (iw ? 1UL << 62 : 0) | 1 | leafExtra);
        return at;
    }

    /// <summary>The directory entry at <paramref name="level"/> on the way to <paramref name="iova"/>.</summary>
    public ulong EntryAddress(ulong top, int levels, ulong iova, int level)
    {
        ulong table = top;
        for (int l = levels; l > level; l--) table = _tables[(table, (int)((iova >> (12 + 9 * (l - 1))) & 0x1FF))];
        return table + ((iova >> (12 + 9 * (level - 1))) & 0x1FF) * 8;
    }

    // ---- command buffer and event log -------------------------------------------------------------------
    public void Command(ulong q0, ulong q1 = 0)
    {
        ulong tail = Reg(CommandTail);
        Write64(CommandBuffer + tail, q0);
        Write64(CommandBuffer + tail + 8, q1);
        SetReg(CommandTail, (tail + 16) % 4096);
    }

    public static ulong Op(int opcode) => (ulong)opcode << 60;
    public void InvalidateDte(ushort deviceId) => Command(Op(2) | deviceId);
    public void InvalidatePages(ushort domainId, ulong address, bool s = false, bool pde = true) => Command(Op(3) | (ulong)domainId << 32, address | (s ? 1UL : 0) | (pde ? 2UL : 0));
    public void InvalidateInterruptTable(ushort deviceId) => Command(Op(5) | deviceId);
    public void CompletionWait(ulong store, ulong data, bool interrupt = false) => Command(Op(1) | store | 1 | (interrupt ? 2UL : 0), data);

    /// <summary>The event log entries between head and tail, as software reads them.</summary>
    public List<AmdViEventEntry> LogEntries()
    {
        var list = new List<AmdViEventEntry>();
        ulong size = 16UL << (int)((Reg(EventLogBase) >> 56) & 0xF);
        for (ulong p = Reg(EventHead); p != Reg(EventTail); p = (p + 16) % size)
            list.Add(new AmdViEventEntry(Read64(EventLog + p), Read64(EventLog + p + 8)));
        return list;
    }

    public DmaOutcome Dma(Bdf bdf, ulong address, bool write = false, uint? pasid = null)
    {
        var buffer = new byte[4];
        return Machine.Dma(bdf, address, buffer, write ? DmaDirection.Write : DmaDirection.Read, pasid);
    }

    public InterruptOutcome Msi(Bdf bdf, uint data, ulong address = 0xFEE0_0000) => Machine.Msi(bdf, address, data);
}
