using Conformance.Reference.IntelVtd;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Tests.IntelVtd;

public class VtdFaultReasonTests
{
    private static readonly Bdf Dev = new(0, 0x01, 0x02, 0x3);
    private const ulong Iova = 0x4000_7000;

    /// <summary>Each scenario breaks exactly one thing in an otherwise working set of tables.</summary>
    public static TheoryData<string, int, bool> Scenarios => new()
    {
        { "root-not-present", 0x1, false },
        { "context-not-present", 0x2, false },
        { "context-aw-not-in-sagaw", 0x3, false },
        { "context-tt-device-tlb", 0x3, false },
        { "slptptr-not-backed", 0x3, false },
        { "beyond-mgaw", 0x4, false },
        { "write-to-read-only", 0x5, true },
        { "read-of-write-only", 0x6, false },
        { "not-present-leaf-write", 0x5, true },
        { "page-table-not-backed", 0x7, false },
        { "root-table-not-backed", 0x8, false },
        { "context-table-not-backed", 0x9, false },
        { "root-reserved", 0xA, false },
        { "context-reserved", 0xB, false },
        { "pte-reserved-snp", 0xC, false },
        { "pml4-ps-reserved", 0xC, false },
        { "pte-above-haw", 0xC, false },
        { "output-in-interrupt-range", 0xE, true },
        { "read-of-interrupt-window", 0xE, false },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Each_broken_table_faults_with_its_reason_and_is_recorded_with_source_and_page(string scenario, int reason, bool write)
    {
        // Memory: 0..1 GiB backed, except a hole at 512 MiB..513 MiB used for "not backed" pointers.
        var t = new VtdTables(memory: [new MemoryRegion(0, 0x2000_0000), new MemoryRegion(0x2010_0000, 0x1FF0_0000)]);
        t.WithRootTable();
        ulong top = t.NewDomain();
        t.SetContext(Dev, top);
        t.Map(top, 4, Iova, 0x3A_7000);
        t.EnableTranslation();
        ulong iova = Iova;
        ulong ctx = t.ContextEntryAddress(Dev);
        ulong root = t.RootTable + (ulong)Dev.Bus * 16;
        const ulong hole = 0x2000_0000;
        switch (scenario)
        {
            case "root-not-present": t.Write64(root, t.Read64(root) & ~1UL); break;
            case "context-not-present": t.Write64(ctx, t.Read64(ctx) & ~1UL); break;
            case "context-aw-not-in-sagaw": t.Write64(ctx + 8, (t.Read64(ctx + 8) & ~7UL) | 3); break; // 57-bit, SAGAW 0x6
            case "context-tt-device-tlb": t.Write64(ctx, t.Read64(ctx) | 1 << 2); break;
            case "slptptr-not-backed": t.Write64(ctx, hole | 1); break;
            case "beyond-mgaw": iova = 1UL << 48; break;
            case "write-to-read-only": t.Map(top, 4, Iova, 0x3A_7000, write: false); break;
            case "read-of-write-only": t.Map(top, 4, Iova, 0x3A_7000, read: false); break;
            case "not-present-leaf-write": t.Write64(t.EntryAddress(top, 4, Iova, 1), 0x3A_7000); break;
            case "page-table-not-backed": t.Write64(t.EntryAddress(top, 4, Iova, 3), hole | 3); break;
            case "root-table-not-backed":
                t.SetReg(VtdRegisterOffsets.RootTableAddress, hole, 8);
                t.Command(GlobalCommandBits.SetRootTablePointer);
                break;
            case "context-table-not-backed": t.Write64(root, hole | 1); break;
            case "root-reserved": t.Write64(root + 8, 1); break;
            case "context-reserved": t.Write64(ctx + 8, t.Read64(ctx + 8) | 1UL << 40); break;
            case "pte-reserved-snp": { ulong a = t.EntryAddress(top, 4, Iova, 1); t.Write64(a, t.Read64(a) | 0x800); break; }
            case "pml4-ps-reserved": { ulong a = t.EntryAddress(top, 4, Iova, 4); t.Write64(a, t.Read64(a) | 0x80); break; }
            case "pte-above-haw": { ulong a = t.EntryAddress(top, 4, Iova, 1); t.Write64(a, t.Read64(a) | 1UL << 50); break; }
            case "output-in-interrupt-range": t.Map(top, 4, Iova, 0xFEE0_0000); break;
            case "read-of-interrupt-window": iova = 0xFEE0_0000; break;
        }

        var r = t.Translate(Dev, iova, write);

        Assert.Equal(DmaResultKind.Fault, r.Kind);
        Assert.Equal(reason, r.Reason);
        Assert.False(string.IsNullOrEmpty(r.Why));
        var rec = t.Unit.ReadFaultRecord(0);
        Assert.True(rec.Fault);
        Assert.Equal(reason, (int)rec.Reason);
        Assert.Equal(Dev.RequesterId, rec.SourceId);
        Assert.Equal(iova & ~0xFFFUL, rec.FaultInfo);
        Assert.Equal(!write, rec.IsRead);
        Assert.True(t.Unit.FaultStatus.HasFlag(FaultStatusBits.PrimaryPendingFault));
    }

    [Fact]
    public void Fault_processing_disable_suppresses_qualified_faults_but_not_root_faults()
    {
        var (t, top) = VtdTables.WithDevice(Dev);
        ulong ctx = t.ContextEntryAddress(Dev);
        t.Write64(ctx, t.Read64(ctx) | 2);                          // FPD
        Assert.Equal(6, t.Translate(Dev, Iova).Reason);            // blocked ...
        Assert.False(t.Unit.ReadFaultRecord(0).Fault);            // ... but not recorded
        Assert.Equal(1, t.Unit.FaultsSuppressed);

        var other = new Bdf(0, 0x07, 0, 0);                        // no root entry for bus 7
        Assert.Equal(1, t.Translate(other, Iova).Reason);
        Assert.Equal(VtdFaultReason.RootEntryNotPresent, t.Unit.ReadFaultRecord(0).Reason);
        _ = top;
    }

    [Fact]
    public void The_translation_enable_check_precedes_every_table_fault()
    {
        var t = new VtdTables();                                   // no root table at all
        Assert.Equal(DmaResultKind.Ok, t.Translate(Dev, Iova).Kind);
        Assert.Equal(0, t.Unit.FaultsRecorded);
    }
}
