using Conformance.Reference.IntelVtd;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using CsCheck;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.Tests.IntelVtd;

/// <summary>
/// Hardware never throws for anything software can program (architecture.md): starting from working tables,
/// random bits written over table words, registers and queue descriptors end every DMA and MSI in Ok or an
/// architected outcome, and every tick ends.
/// </summary>
public class VtdRandomContentTests
{
    private static readonly int[] Registers =
    [
        GlobalCommand, RootTableAddress, ContextCommand, ContextCommand + 4, FaultStatus, FaultEventControl, FaultEventData,
        FaultEventAddress, ProtectedMemoryEnable, InvalidationQueueTail, InvalidationQueueAddress, InvalidationCompletionStatus,
        InvalidationEventControl, InterruptRemappingTableAddress, 0xf0, 0xf8, 0xfc, 0x220, 0x228, 0x22c, 0x238, 0x0, 0x10, 0xffc,
    ];

    private static readonly int[] DmaFaultReasons = [0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xA, 0xB, 0xC, 0xE];
    private static readonly Bdf[] Devices = [new(0, 0, 3, 0), new(0, 0, 4, 0), new(0, 1, 0, 0)];
    private static readonly ulong[] Addresses = [0x7000, 0x20_1000, 0x4000_0000, 0x4012_3000, 0xFEE0_0000, 1UL << 47, 1UL << 48];

    [Fact]
    public void Random_bits_in_tables_and_registers_end_every_request_in_an_architected_outcome()
    {
        // CsCheck's seed fixes only the first sample, so one sample holds all the scenarios: the run is reproducible.
        Gen.ULong.Array[100, 300].Array[150].Sample(scenarios =>
        {
            var seen = new HashSet<string>();
            foreach (var words in scenarios) Run(words, seen);
            // The random bits must reach deep: translated DMA, many fault reasons, remapped and blocked MSIs.
            string all = string.Join(", ", seen.Order());
            Assert.True(seen.Contains("dma Ok"), all);
            Assert.True(seen.Count(s => s.StartsWith("dma Fault", StringComparison.Ordinal)) >= 8, all);
            Assert.True(seen.Count(s => s.StartsWith("msi Blocked 0x2", StringComparison.Ordinal)) >= 4, all);
        }, iter: 1, seed: "0N0XIzNsQ0O2", threads: 1);
    }

    private static void Run(ulong[] words, HashSet<string> seen)
    {
        // Working tables: two devices in a 4-level domain with 4 KiB, 2 MiB and 1 GiB pages, one pass-through,
        // an interrupt remapping table, and the invalidation queue on.
        var t = new VtdTables(new VtdUnitConfig { Id = "dmar0", MmioBase = VtdTables.MmioBase, FaultRecordingCount = 2 }).WithRootTable();
        ulong first = t.AllocPage();
        ulong top = t.NewDomain();
        t.SetContext(Devices[0], top, domainId: 1);
        t.SetContext(Devices[1], top, domainId: 2);
        t.SetContext(Devices[2], 0, type: TranslationType.PassThrough, domainId: 3);
        t.Map(top, 4, 0x7000, 0x3A_7000);
        t.Map(top, 4, 0x20_0000, 0x60_0000, pageLevel: 2);
        t.Map(top, 4, 0x4000_0000, 0, pageLevel: 3);
        t.EnableTranslation().EnableInterruptRemapping(sizeField: 3).EnableQueue();
        for (int i = 0; i < 8; i++) { var (lo, hi) = VtdTables.RemappedIrte(0x30 + i, (uint)i, svt: i % 3, sid: Devices[i % 3].RequesterId); t.SetIrte(i, lo, hi); }
        ulong last = t.AllocPage();
        int pages = (int)((last - first) / 0x1000);

        int w = 0;
        ulong Next() => words[w++ % words.Length];
        while (w < words.Length)
        {
            ulong op = Next();
            ulong r = Next();
            switch (op % 7)
            {
                case 0:
                {
                    // A table word: a few bits flipped, or replaced by anything.
                    ulong at = first + (op >> 8) % (ulong)pages * 0x1000 + ((op >> 24) % 16) * 8;
                    ulong old = t.Read64(at);
                    t.Write64(at, ((op >> 4) & 1) == 0 ? old ^ (1UL << (int)(r % 64)) ^ (1UL << (int)((r >> 6) % 64)) : r);
                    break;
                }
                case 1:
                {
                    int reg = Registers[(int)((op >> 8) % (ulong)Registers.Length)];
                    int width = ((op >> 16) & 1) == 0 ? 4 : 8;
                    ulong value = reg == GlobalCommand ? (uint)t.Unit.Status ^ (r & 0xFF80_0000) : ((op >> 17) & 1) == 0 ? t.Reg(reg, width) ^ (1UL << (int)(r % 64)) : r;
                    t.SetReg(reg, value, width);
                    _ = t.Reg(reg, width);
                    break;
                }
                case 2:
                case 3:
                {
                    var dev = Devices[(op >> 8) % 3];
                    ulong addr = ((op >> 12) & 7) == 7 ? r : Addresses[(op >> 12) % (ulong)Addresses.Length] + (r & 0xFFF);
                    var dir = ((op >> 16) & 1) == 0 ? DmaDirection.Read : DmaDirection.Write;
                    var o = t.Machine.Dma(dev, addr, new byte[4], dir);
                    Assert.True(o.Kind is DmaResultKind.Ok or DmaResultKind.Abort or DmaResultKind.Interrupt
                        || (o.Kind == DmaResultKind.Fault && DmaFaultReasons.Contains(o.Reason)), $"DMA outcome {o}");
                    seen.Add(o.Kind == DmaResultKind.Fault ? $"dma Fault 0x{o.Reason:x}" : $"dma {o.Kind}");
                    break;
                }
                case 4:
                {
                    var dev = ((op >> 8) & 3) == 3 ? Bdf.FromRequesterId(0, (ushort)r) : Devices[(op >> 8) % 3];
                    ulong addr = ((op >> 10) & 3) switch
                    {
                        0 => VtdTables.RemappableAddress((int)((op >> 12) % 20), shv: ((op >> 20) & 1) != 0),
                        1 => 0xFEE0_0000 | (r & 0xF_FFFF),
                        2 => r,
                        _ => VtdTables.RemappableAddress((int)(r & 0xFFFF)),
                    };
                    var o = t.Msi(dev, addr, (uint)(r >> 32) & (((op >> 21) & 1) == 0 ? 0xFFFFu : uint.MaxValue));
                    Assert.True(o.Kind is InterruptResultKind.Delivered or InterruptResultKind.Posted
                        || (o.Kind == InterruptResultKind.Blocked && (o.Reason is >= 0x20 and <= 0x27 || (o.Reason == 0 && !Interrupts.X86MsiMessage.InWindow(addr)))), $"MSI outcome {o}");
                    seen.Add(o.Kind == InterruptResultKind.Blocked ? $"msi Blocked 0x{o.Reason:x}" : $"msi {o.Kind}");
                    break;
                }
                case 5:
                    // A random descriptor (sometimes a well-formed one) at the tail.
                    t.Submit((op >> 8) % 3 == 0 ? Descriptors.IotlbGlobal() : (op >> 8) % 3 == 1 ? (r & 0xFFFF_FFFF_FFFF_FE7FUL, 0UL) : (op >> 8, r));
                    break;
                default:
                    Assert.InRange(t.Unit.Tick((int)((op >> 8) % 8)), 0, 7);
                    break;
            }
        }
    }
}
