using Conformance.Reference.IntelVtd;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;

namespace Conformance.Reference.Tests.IntelVtd;

/// <summary>VT-d spec §5.1 interrupt remapping, §9.10-9.12 IRTE and posted descriptors.</summary>
public class VtdInterruptRemappingTests
{
    private static readonly Bdf Dev = new(0, 0x02, 0x00, 0x1);

    [Fact]
    public void A_remappable_interrupt_is_delivered_to_the_IRTE_destination_and_vector()
    {
        var t = new VtdTables().EnableInterruptRemapping();
        var (lo, hi) = VtdTables.RemappedIrte(0x31, 6);
        t.SetIrte(40, lo, hi);
        var o = t.Msi(Dev, VtdTables.RemappableAddress(40), 0x0);
        Assert.Equal(InterruptOutcome.Delivered(6, 0x31), o);
        Assert.Equal(0x31, Assert.Single(t.Machine.Interrupts[6].Delivered).Vector);
    }

    [Fact]
    public void With_SHV_the_subhandle_in_the_data_is_added_to_the_handle_and_handle_bit_15_comes_from_address_bit_2()
    {
        var t = new VtdTables().EnableInterruptRemapping(sizeField: 15); // 64K entries
        var (lo, hi) = VtdTables.RemappedIrte(0x90, 0x12345, x2apic: true);
        t.SetIrte(0x8000 + 7, lo, hi);
        t.SetReg(VtdRegisterOffsets.InterruptRemappingTableAddress, t.IrTable | 0x800 | 15, 8);
        t.Command(GlobalCommandBits.SetInterruptRemapTablePointer);
        var o = t.Msi(Dev, VtdTables.RemappableAddress(0x8000 + 3, shv: true), 4);
        Assert.Equal(InterruptOutcome.Delivered(0x12345, 0x90), o);
    }

    public static TheoryData<string, int> IrFaults => new()
    {
        { "shv-data-high-bits", 0x20 },
        { "index-beyond-table", 0x21 },
        { "not-present", 0x22 },
        { "table-not-backed", 0x23 },
        { "reserved-xapic-dst", 0x24 },
        { "svt-3-never-verifies", 0x26 },
        { "compat-with-cfis-clear", 0x25 },
        { "sid-mismatch", 0x26 },
        { "bus-out-of-range", 0x26 },
        { "posted-descriptor-not-backed", 0x27 },
    };

    [Theory]
    [MemberData(nameof(IrFaults))]
    public void Each_interrupt_remapping_fault_blocks_with_its_reason_in_spec_order(string scenario, int reason)
    {
        var t = new VtdTables(memory: [new MemoryRegion(0, 0x2000_0000)]).EnableInterruptRemapping(sizeField: 7); // 256 entries
        var (lo, hi) = VtdTables.RemappedIrte(0x31, 6);
        int index = 5;
        ulong address = VtdTables.RemappableAddress(index);
        uint data = 0;
        switch (scenario)
        {
            case "shv-data-high-bits": address = VtdTables.RemappableAddress(index, shv: true); data = 0x1_0000; lo = 0; break; // also not present: 0x20 wins
            case "index-beyond-table": address = VtdTables.RemappableAddress(256); break;
            case "not-present": lo &= ~1UL; break;
            case "table-not-backed":
                t.SetReg(VtdRegisterOffsets.InterruptRemappingTableAddress, 0x2000_0000UL | 7, 8);
                t.Command(GlobalCommandBits.SetInterruptRemapTablePointer);
                break;
            case "reserved-xapic-dst": lo |= 1UL << 32; break;            // DST bit 0 in xAPIC mode
            case "svt-3-never-verifies": hi |= 3UL << 18; break;
            case "compat-with-cfis-clear": address = 0xFEE0_6000; data = 0x31; break;
            case "sid-mismatch": (lo, hi) = VtdTables.RemappedIrte(0x31, 6, svt: 1, sid: new Bdf(0, 2, 0, 0).RequesterId); break;
            case "bus-out-of-range": (lo, hi) = VtdTables.RemappedIrte(0x31, 6, svt: 2, sid: 0x0304); break; // buses 3..4
            case "posted-descriptor-not-backed": lo = 1 | 1UL << 15 | 0x31UL << 16; hi = 0x1UL << 32; break; // PDA 0x1_0000_0000
        }
        t.SetIrte(index, lo, hi);

        var o = t.Msi(Dev, address, data);

        Assert.Equal(InterruptResultKind.Blocked, o.Kind);
        Assert.Equal(reason, o.Reason);
        Assert.Empty(t.Machine.Interrupts.All);
        var rec = t.Unit.ReadFaultRecord(0);
        Assert.Equal(reason, (int)rec.Reason);
        Assert.Equal(Dev.RequesterId, rec.SourceId);
    }

    [Fact]
    public void Source_id_qualifier_ignores_function_bits_and_bus_range_accepts_buses_inside_it()
    {
        var t = new VtdTables().EnableInterruptRemapping();
        var (lo, hi) = VtdTables.RemappedIrte(0x31, 6, svt: 1, sq: 3, sid: new Bdf(0, 2, 0, 6).RequesterId);
        t.SetIrte(1, lo, hi);
        Assert.Equal(InterruptResultKind.Delivered, t.Msi(Dev, VtdTables.RemappableAddress(1), 0).Kind);
        (lo, hi) = VtdTables.RemappedIrte(0x32, 6, svt: 2, sid: 0x0103);              // start bus 1, end bus 3
        t.SetIrte(2, lo, hi);
        Assert.Equal(InterruptResultKind.Delivered, t.Msi(Dev, VtdTables.RemappableAddress(2), 0).Kind);
    }

    [Fact]
    public void Fault_processing_disable_in_the_IRTE_suppresses_recording_of_its_faults()
    {
        var t = new VtdTables().EnableInterruptRemapping();
        t.SetIrte(3, 2, 0);                                                            // FPD, not present
        Assert.Equal(0x22, t.Msi(Dev, VtdTables.RemappableAddress(3), 0).Reason);
        Assert.False(t.Unit.ReadFaultRecord(0).Fault);
    }

    [Fact]
    public void Compatibility_format_passes_with_CFIS_set_and_everything_passes_with_IRE_clear()
    {
        var t = new VtdTables().EnableInterruptRemapping(compatibility: true);
        Assert.Equal(InterruptOutcome.Delivered(6, 0x31), t.Msi(Dev, 0xFEE0_6000, 0x31));
        t.Command(GlobalCommandBits.InterruptRemappingEnable, on: false);
        Assert.Equal(InterruptOutcome.Delivered(6, 0x32), t.Msi(Dev, VtdTables.RemappableAddress(0) | 0x6000, 0x32));
        // EIME blocks compatibility format even with CFIS set.
        t.SetReg(VtdRegisterOffsets.InterruptRemappingTableAddress, t.IrTable | 0x800 | 7, 8);
        t.Command(GlobalCommandBits.SetInterruptRemapTablePointer);
        t.Command(GlobalCommandBits.InterruptRemappingEnable);
        Assert.Equal(0x25, t.Msi(Dev, 0xFEE0_6000, 0x31).Reason);
    }

    [Fact]
    public void A_posted_IRTE_sets_the_PIR_bit_and_ON_and_notifies_once()
    {
        var t = new VtdTables().EnableInterruptRemapping();
        ulong pd = 0x8_0040;
        t.Write64(pd + 32, (ulong)0x0700 << 32 | 0xF2UL << 16);                  // NDST xAPIC id 7, NV 0xF2
        t.SetIrte(4, 1 | 1UL << 15 | 0x45UL << 16 | (pd >> 6) << 38, (pd >> 32) << 32);
        var o = t.Msi(Dev, VtdTables.RemappableAddress(4), 0);
        Assert.Equal(InterruptResultKind.Posted, o.Kind);
        Assert.Equal(pd, o.DescriptorAddress);
        Assert.Equal(0x45, o.Vector);
        Assert.Equal(1UL << 5, t.Read64(pd + 8));                                 // PIR bit 0x45 = word 1 bit 5
        Assert.Equal(1UL, t.Read64(pd + 32) & 1);                                 // ON
        Assert.Equal(0xF2, Assert.Single(t.Machine.Interrupts[7].Delivered).Vector);
        t.Msi(Dev, VtdTables.RemappableAddress(4), 0);                             // ON already set: no second notification
        Assert.Single(t.Machine.Interrupts.All);
    }

    [Fact]
    public void A_changed_IRTE_stays_cached_until_an_IEC_invalidation_covering_its_index()
    {
        var t = new VtdTables().EnableInterruptRemapping().EnableQueue();
        var (lo, hi) = VtdTables.RemappedIrte(0x31, 6);
        t.SetIrte(10, lo, hi);
        Assert.Equal(0x31, t.Msi(Dev, VtdTables.RemappableAddress(10), 0).Vector);
        (lo, hi) = VtdTables.RemappedIrte(0x77, 6);
        t.SetIrte(10, lo, hi);
        t.Submit(Descriptors.IecIndex(12, im: 1));                                // 12..13
        t.Machine.Tick(5);
        Assert.Equal(0x31, t.Msi(Dev, VtdTables.RemappableAddress(10), 0).Vector);
        t.Submit(Descriptors.IecIndex(9, im: 2));                                 // 8..11
        t.Machine.Tick(5);
        Assert.Equal(0x77, t.Msi(Dev, VtdTables.RemappableAddress(10), 0).Vector);
    }

    [Fact]
    public void A_DMA_write_of_a_remappable_message_is_remapped_like_an_MSI()
    {
        var (t, _) = VtdTables.WithDevice(Dev);
        t.EnableInterruptRemapping();
        var (lo, hi) = VtdTables.RemappedIrte(0x55, 2);
        t.SetIrte(1, lo, hi);
        var o = t.Machine.Dma(Dev, VtdTables.RemappableAddress(1), new byte[4], DmaDirection.Write);
        Assert.Equal(DmaResultKind.Interrupt, o.Kind);
        Assert.Equal(0x55, Assert.Single(t.Machine.Interrupts[2].Delivered).Vector);
    }
}
