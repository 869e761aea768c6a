using Conformance.Reference.AmdVi;
using Conformance.Reference.Interrupts;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using CsCheck;
using static Conformance.Reference.AmdVi.AmdViRegisterOffsets;

namespace Conformance.Reference.Tests.AmdVi;

/// <summary>
/// Hardware never throws for anything software can program (architecture.md): starting from working tables,
/// random bits written over table words, registers and commands end every DMA and MSI in Ok or an architected
/// outcome (an AMD-Vi event name), every tick ends, and every logged event has an architected code.
/// </summary>
public class AmdViRandomContentTests
{
    private static readonly int[] Registers =
    [
        DeviceTableBase, CommandBufferBase, EventLogBase, AmdViRegisterOffsets.Control, AmdViRegisterOffsets.Control + 4, ExclusionBase,
        ExclusionLimit, AmdViRegisterOffsets.ExtendedFeature, EventInterruptXt, CommandHead, CommandTail, EventHead, EventTail,
        AmdViRegisterOffsets.Status, 0x3FFC, 0x1000,
    ];

    private static readonly string[] DmaEvents = ["IO_PAGE_FAULT", "ILLEGAL_DEV_TABLE_ENTRY", "DEV_TAB_HARDWARE_ERROR", "PAGE_TAB_HARDWARE_ERROR", "INVALID_DEVICE_REQUEST"];
    private static readonly AmdViEventType[] LoggedTypes =
    [
        AmdViEventType.IllegalDevTableEntry, AmdViEventType.IoPageFault, AmdViEventType.DevTabHardwareError, AmdViEventType.PageTabHardwareError,
        AmdViEventType.IllegalCommandError, AmdViEventType.CommandHardwareError, AmdViEventType.InvalidDeviceRequest,
    ];
    /// <summary>Two host-translated devices, one Mode 0, one two-level (GV=1, GIoV=1, GLX=1) device.</summary>
    private static readonly Bdf[] Devices = [new(0, 0, 3, 0), new(0, 0, 4, 0), new(0, 1, 0, 0), new(0, 0, 5, 0)];
    private static readonly ulong[] Addresses = [0x7000, 0x20_1000, 0x4000_0000, 0x4012_3000, 0xFEE0_0000, 1UL << 47, 1UL << 48];

    [Fact]
    public void Random_bits_in_tables_registers_and_commands_end_every_request_in_an_architected_outcome()
    {
        Gen.ULong.Array[100, 300].Array[150].Sample(scenarios =>
        {
            var seen = new HashSet<string>();
            foreach (var words in scenarios) Run(words, seen);
            string all = string.Join(", ", seen.Order());
            Assert.True(seen.Contains("dma Ok"), all);
            Assert.True(seen.Count(s => s.StartsWith("dma Fault", StringComparison.Ordinal)) >= 3, all);
            Assert.True(seen.Contains("msi Delivered"), all);
            Assert.True(seen.Contains("msi Blocked IO_PAGE_FAULT"), all);
            Assert.True(seen.Contains("event IllegalCommandError"), all);
            Assert.True(seen.Contains("pasid Ok"), all);
            Assert.True(seen.Count(s => s.StartsWith("pasid Fault", StringComparison.Ordinal)) >= 3, all);
        }, iter: 1, seed: "0N0XIzNsQ0O2", threads: 1);
    }

    private static void Run(ulong[] words, HashSet<string> seen)
    {
        // Working tables: two devices in a 4-level domain with 4 KiB, 2 MiB and 1 GiB pages, one Mode 0, interrupt remapping on,
        // and a two-level device: a GCR3 table with PASIDs 0, 1 and 0x1234 and guest tables nested in its host table.
        var g = new AmdViGuestTables(Devices[3], glx: 1, giov: true);
        var t = g.T;
        ulong first = g.HostTop;
        ulong top = t.AllocPage();
        ulong irt = t.AllocPage();
        t.SetDte(Devices[0].RequesterId, AmdViTables.DteQ0(top, 4), 1, AmdViTables.DteQ2(irt, 4));
        t.SetDte(Devices[1].RequesterId, AmdViTables.DteQ0(top, 4), 2, AmdViTables.DteQ2(irt, 4));
        t.SetDte(Devices[2].RequesterId, AmdViTables.DteQ0(0, 0), 3, AmdViTables.DteQ2(irt, 2));
        t.Map(top, 4, 0x7000, 0x3A_7000);
        t.Map(top, 4, 0x20_0000, 0x60_0000, pageLevel: 2);
        t.Map(top, 4, 0x4000_0000, 0, pageLevel: 3);
        foreach (uint pasid in (uint[])[0, 1, 0x1234])
        {
            ulong cr3 = g.NewAddressSpace(pasid);
            g.Map(cr3, 0x7000, 0x40_0000_7000);
            g.Map(cr3, 0x20_0000, 0x40_0020_0000, pageLevel: 2);
            g.Map(cr3, 0x4000_0000, 0x41_0000_0000, pageLevel: 3);
        }
        g.HostMap(0x40_0000_7000, 0x3A_8000);
        for (ulong off = 0; off < 0x3000; off += 0x1000) g.HostMap(0x40_0020_0000 + off, 0x3B_0000 + off, iw: off != 0x2000);
        g.HostMap(0x41_0000_0000, 0x3C_0000);
        for (int i = 0; i < 16; i++) Assert.True(t.Memory.TryWriteLe(irt + (ulong)i * 4, 4, 1u | (uint)(i % 4) << 8 | (uint)(0x30 + i) << 16));
        ulong last = t.AllocPage();
        int pages = (int)((last - first) / 0x1000);
        ulong dtPage = t.DeviceTable;

        int w = 0;
        ulong Next() => words[w++ % words.Length];
        while (w < words.Length)
        {
            ulong op = Next();
            ulong r = Next();
            switch (op % 8)
            {
                case 0:
                {
                    // A table word (page tables, interrupt table, device table): a few bits flipped, or anything.
                    ulong at = ((op >> 3) & 1) == 0
                        ? first + (op >> 8) % (ulong)pages * 0x1000 + ((op >> 24) % 16) * 8
                        : dtPage + Devices[(op >> 8) % 4].RequesterId * 32UL + ((op >> 24) % 4) * 8;
                    ulong old = t.Read64(at);
                    t.Write64(at, ((op >> 4) & 1) == 0 ? old ^ (1UL << (int)(r % 64)) ^ (1UL << (int)((r >> 6) % 64)) : r);
                    break;
                }
                case 1:
                {
                    int reg = Registers[(int)((op >> 8) % (ulong)Registers.Length)];
                    int width = ((op >> 16) & 1) == 0 ? 4 : 8;
                    ulong value = ((op >> 17) & 1) == 0 ? t.Reg(reg, width) ^ (1UL << (int)(r % (ulong)(8 * width))) : r;
                    t.SetReg(reg, value, width);
                    _ = t.Reg(reg, width);
                    break;
                }
                case 2:
                case 3:
                {
                    var dev = Devices[(op >> 8) % 4];
                    ulong addr = ((op >> 12) & 7) == 7 ? r : Addresses[(op >> 12) % (ulong)Addresses.Length] + (r & 0x2FFF);
                    var dir = ((op >> 16) & 1) == 0 ? DmaDirection.Read : DmaDirection.Write;
                    uint? pasid = ((op >> 17) & 7) switch
                    {
                        0 => (uint)(r >> 44),
                        1 or 2 => 1,
                        3 => 0x1234,
                        4 => (uint)(r >> 48),
                        _ => null,
                    };
                    var o = t.Machine.Dma(dev, addr, new byte[4], dir, pasid);
                    Assert.True(o.Kind is DmaResultKind.Ok or DmaResultKind.Abort or DmaResultKind.Interrupt
                        || (o.Kind == DmaResultKind.Fault && DmaEvents.Contains(o.Event)), $"DMA outcome {o}");
                    seen.Add(o.Kind == DmaResultKind.Fault ? $"dma Fault {o.Event}" : $"dma {o.Kind}");
                    if (pasid is not null && dev == Devices[3]) seen.Add(o.Kind == DmaResultKind.Fault ? $"pasid Fault {o.Event}" : $"pasid {o.Kind}");
                    break;
                }
                case 4:
                {
                    var dev = ((op >> 8) & 3) == 3 ? Bdf.FromRequesterId(0, (ushort)r) : Devices[(op >> 8) % 3];
                    ulong addr = ((op >> 10) & 3) == 0 ? r : 0xFEE0_0000 | (r & 0xF_F000);
                    uint data = ((op >> 12) & 1) == 0 ? (uint)(op >> 32) & 0x1F : (uint)(r >> 32);
                    var o = t.Msi(dev, data, addr);
                    Assert.True(o.Kind is InterruptResultKind.Delivered
                        || (o.Kind == InterruptResultKind.Blocked && (o.Event is null || DmaEvents.Contains(o.Event))), $"MSI outcome {o}");
                    if (o.Kind == InterruptResultKind.Blocked && o.Event is null) Assert.NotNull(o.Why);
                    seen.Add(o.Kind == InterruptResultKind.Blocked ? $"msi Blocked {o.Event}" : $"msi {o.Kind}");
                    break;
                }
                case 5:
                {
                    // A command at the tail: a well-formed invalidation, or random bits under a random/valid opcode.
                    ulong q0 = ((op >> 8) % 3) switch
                    {
                        0 => AmdViTables.Op((int)(1 + (r % 8))) | (r & 0xFFFF),
                        1 => r,
                        _ => AmdViTables.Op(8),
                    };
                    t.Command(q0, ((op >> 12) & 1) == 0 ? 0 : op);
                    break;
                }
                case 6:
                    // Sometimes restart a halted buffer or a stopped log.
                    t.SetControl(ControlBits.None, ControlBits.CommandBufferEnable | ControlBits.EventLogEnable);
                    t.SetControl(ControlBits.CommandBufferEnable | ControlBits.EventLogEnable | ControlBits.IommuEnable);
                    break;
                default:
                    Assert.InRange(t.Unit.Tick((int)((op >> 8) % 8)), 0, 7);
                    break;
            }
        }
        foreach (var e in t.Unit.Events)
        {
            Assert.Contains(e.Type, LoggedTypes);
            seen.Add($"event {e.Type}");
        }
    }
}
