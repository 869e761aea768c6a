using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

/// <summary>Every call's checks and return codes as opal-pci.md (skiboot core/pci-opal.c, hw/phb4.c) gives them.</summary>
public class OpalPciCallTests
{
    // (call, args, expected rc). PHB 0 has 512 PEs, 32 MBT entries, 4096 interrupt sources; PE 507 is DevA's.
    public static TheoryData<string, ulong[], long> Cases() => new()
    {
        // Bad or removed tokens, and a PHB id that does not exist.
        { "OPAL_PCI_SET_MVE", [0, 1, 2], -1 },
        { "OPAL_PCI_SET_MVE_ENABLE", [0, 1, 1], -1 },
        { "OPAL_NOT_A_CALL", [], -1 },
        { "31", [0, 1, 0x100, 7, 1, 1, 1], -1 },
        { "OPAL_PCI_SET_PE", [9, 1, 0x100, 7, 1, 1, 1], -1 },
        { "OPAL_PCI_TCE_KILL", [9, 2, 0, 0, 0, 0], -1 },
        // OPAL_PCI_SET_PE
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 7, 1, 1, 1], 0 },
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 7, 1, 1, 2], -1 },        // action
        { "OPAL_PCI_SET_PE", [0, 512, 0x100, 7, 1, 1, 1], -1 },      // pe >= num_pes
        { "OPAL_PCI_SET_PE", [0, 1, 0x10000, 7, 1, 1, 1], -1 },      // bdfn > 0xffff
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 8, 1, 1, 1], -1 },        // bus compare > 7
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 1, 0, 0, 1], 0 },         // bcompare 1 is accepted (top 2 bits)
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 7, 2, 1, 1], -1 },        // dev compare > 1
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 7, 1, 2, 1], -1 },        // func compare > 1
        { "OPAL_PCI_SET_PE", [0, 1, 0x100, 0x107, 1, 1, 0x101], 0 }, // u8 arguments are narrowed by the ABI
        // OPAL_PCI_SET_PELTV
        { "OPAL_PCI_SET_PELTV", [0, 5, 6, 1], 0 },
        { "OPAL_PCI_SET_PELTV", [0, 512, 6, 1], -1 },
        { "OPAL_PCI_SET_PELTV", [0, 5, 512, 0], -1 },
        // OPAL_PCI_MAP_PE_MMIO_WINDOW
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 1, 0, 3], 0 },
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 512, 1, 0, 3], -1 },
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 3, 0, 3], -7 },       // IO
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 1, 1, 3], -1 },       // M32 window_num != 0
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 1, 0, 512], -1 },     // segment >= num_pes
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 2, 0, 0], -1 },       // M64 window 0
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 2, 32, 0], -1 },      // M64 window >= mbt_size
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 2, 31, 0], -3 },      // BAR 31 was enabled at boot
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 2, 4, 0], 0 },
        { "OPAL_PCI_MAP_PE_MMIO_WINDOW", [0, 5, 0, 0, 0], -1 },       // unknown window type
        // OPAL_PCI_SET_PHB_MEM_WINDOW
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 1, 0, 0x8000_0000, 0, 0x8000_0000], -7 }, // M32
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 3, 0, 0, 0, 0x1000], -7 },                // IO
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 4, 1, 0, 0, 0x1000], -1 },                // unknown type
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 0, 0x6200_0000_0000, 0, 0x100_0000], -1 },
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 32, 0x6200_0000_0000, 0, 0x100_0000], -1 },
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 2, 0x6200_0000_0800, 0, 0x100_0000], -1 }, // addr not 4K aligned
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 2, 0x6200_0000_0000, 0, 0x100_0800], -1 }, // size not 4K aligned
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 2, 0x6200_0000_0000, 0, 0x300_0000], -1 }, // size not a power of 2
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 2, 0x6200_0000_0000, 0, 0], -1 },          // size 0
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 2, 0x6200_0080_0000, 0, 0x100_0000], -1 }, // not size aligned
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 2, 0x6200_0100_0000, 0xdead, 0x100_0000], 0 }, // pci_addr ignored
        { "OPAL_PCI_SET_PHB_MEM_WINDOW", [0, 2, 31, 0x6200_0000_0000, 0, 0x100_0000], -3 },    // enabled BAR
        // OPAL_PCI_PHB_MMIO_ENABLE
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 1, 0, 1], -7 },
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 3, 0, 1], -7 },
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 2, 0, 1], -1 },
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 2, 32, 1], -1 },
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 2, 2, 3], -1 },
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 9, 2, 1], -1 },
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 2, 2, 2], -1 },  // non-split needs SINGLE_PE mode
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 2, 2, 1], -3 },  // split, but no base/mask yet
        { "OPAL_PCI_PHB_MMIO_ENABLE", [0, 2, 2, 0], 0 },
        // OPAL_PCI_MAP_PE_DMA_WINDOW
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 2, 0x100_0000, 0x1000, 0x10000], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1015, 5, 0x100_0000, 0x1000, 0x40000000], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 512, 1024, 1, 0x100_0000, 0x1000, 0x1000], -1 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1016, 1, 0x100_0000, 0x1000, 0x1000], -1 }, // another PE's TVE
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 0, 0, 0, 0], 0 },          // size 0 disables, the rest ignored
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 9, 3, 0, 7], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 0, 0x100_0000, 0x1000, 0x1000], -1 }, // levels 0
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 6, 0x100_0000, 0x1000, 0x1000], -1 }, // levels 6
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0000, 0x1800, 0x1000], -1 }, // not a power of 2
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0000, 0x800, 0x1000], -1 },  // < 4K
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0000, 1UL << 43, 0x1000], -1 }, // tts 32
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0000, 1UL << 42, 0x1000], 0 },  // tts 31
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0000, 0x1000, 0x1000000], -1 }, // 16M: PHB3 only
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0000, 0x1000, 0x200000], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW", [0, 507, 1014, 1, 0x100_0123, 0x1000, 0x1000], 0 },     // address unchecked
        // OPAL_PCI_MAP_PE_DMA_WINDOW_REAL
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 1UL << 59, 0x4000_0000], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 1UL << 59, 0], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1014, 0, 0x100_0000], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 0, 0x100_0000], -1 },          // bit 59 must match TVE#1
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1014, 1UL << 59, 0x100_0000], -1 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 3UL << 59, 0x100_0000], -1 },  // bit 60 set
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, (1UL << 59) | 0x80_0000, 0x100_0000], -1 }, // 16M alignment
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 1UL << 59, 0x180_0000], -1 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 1UL << 59, 1UL << 50], -1 },  // end > 2^50 - 1
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 507, 1015, 1UL << 59, (1UL << 50) - 0x100_0000], 0 },
        { "OPAL_PCI_MAP_PE_DMA_WINDOW_REAL", [0, 508, 1015, 1UL << 59, 0x100_0000], -1 },
        // OPAL_PCI_TCE_KILL
        { "OPAL_PCI_TCE_KILL", [0, 0, 507, 0x1234, 0x1, 5], 0 },   // PAGES checks are dead code on PHB4
        { "OPAL_PCI_TCE_KILL", [0, 1, 9999, 0, 0, 0], 0 },         // no PE range check
        { "OPAL_PCI_TCE_KILL", [0, 2, 0, 0, 0, 0], 0 },
        { "OPAL_PCI_TCE_KILL", [0, 3, 0, 0, 0, 0], -1 },
        { "OPAL_PCI_TCE_KILL", [0, 0x1_0000_0002, 0, 0, 0, 0], 0 }, // u32 kill_type
        // OPAL_PCI_EEH_FREEZE_*
        { "OPAL_PCI_EEH_FREEZE_SET", [0, 5, 3], 0 },
        { "OPAL_PCI_EEH_FREEZE_SET", [0, 5, 0], -1 },
        { "OPAL_PCI_EEH_FREEZE_SET", [0, 512, 1], -1 },
        { "OPAL_PCI_EEH_FREEZE_CLEAR", [0, 5, 77], 0 },
        { "OPAL_PCI_EEH_FREEZE_CLEAR", [0, 1UL << 40, 3], 0 },
        { "OPAL_PCI_EEH_FREEZE_STATUS", [0, 1UL << 40], 0 },
        { "OPAL_PCI_EEH_FREEZE_STATUS", [1, 0], -1 },
        // OPAL_PCI_SET_XIVE_PE, OPAL_GET_MSI_*
        { "OPAL_PCI_SET_XIVE_PE", [0, 5, 4087], 0 },
        { "OPAL_PCI_SET_XIVE_PE", [0, 5, 4088], -1 },
        { "OPAL_PCI_SET_XIVE_PE", [0, 512, 1], -1 },
        { "OPAL_GET_MSI_32", [0, 5, 4088, 1], -1 },
        { "OPAL_GET_MSI_64", [0, 512, 1, 1], -1 },
        // OPAL_PCI_RESET and OPAL_PCI_POLL: the first argument is a slot id; a started reset returns its first delay (ms)
        { "OPAL_PCI_RESET", [0, 4, 1], 1000 },                        // phb4_hreset: SBR held 1 s
        { "OPAL_PCI_RESET", [0, 4, 0], 0 },                           // nothing to do on deassert
        { "OPAL_PCI_RESET", [0, 5, 1], 250 },                         // phb4_freset: PERST held 250 ms
        { "OPAL_PCI_RESET", [0, 1, 1], 10 },                          // phb4_creset: wait for the CQ
        { "OPAL_PCI_RESET", [0, 1, 0], 0 },
        { "OPAL_PCI_RESET", [0, 6, 1], 0 },                           // IODA table: at once
        { "OPAL_PCI_RESET", [0, 3, 1], 0 },
        { "OPAL_PCI_RESET", [0, 2, 1], -7 },
        { "OPAL_PCI_RESET", [0, 9, 1], -7 },
        { "OPAL_PCI_RESET", [0, 4, 3], -1 },
        { "OPAL_PCI_RESET", [5, 4, 1], -1 },
        { "OPAL_PCI_RESET", [0x8000_0000_0200_0000, 4, 1], -1 },     // 02:00.0 is not a port
        { "OPAL_PCI_RESET", [0x8000_0000_0208_0000, 4, 1], 250 },    // 02:01.0's slot: pcie_slot_sm_hreset
        { "OPAL_PCI_RESET", [0x8000_0000_0208_0000, 5, 1], 50 },     // pcie_slot_sm_freset: power off 50 ms
        { "OPAL_PCI_RESET", [0x8000_0000_0208_0000, 3, 1], -7 },     // PHB_ERROR: PHB slot only
        { "OPAL_PCI_RESET", [0x8000_0000_0208_0000, 1, 1], -7 },     // COMPLETE: PHB slot only
        { "OPAL_PCI_POLL", [0x8000_0000_0208_0000], -6 },            // no reset in progress: "Invalid state"
        { "OPAL_PCI_POLL", [0], -6 },
        { "OPAL_PCI_POLL", [0x8000_0000_0200_0000], -1 },
        { "OPAL_PCI_NEXT_ERROR", [3], -1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_OPAL_call_checks_its_arguments_as_skiboot_does(string call, ulong[] args, long rc)
    {
        var rig = new PowerRig();
        Assert.Equal(rc, rig.Opal.Call(call, args).Rc);
    }

    [Fact]
    public void Freeze_status_returns_the_state_and_error_type_as_out_parameters()
    {
        var rig = new PowerRig();
        Assert.Equal(new OpalResult(0, [0, 0]), rig.Opal.Call("OPAL_PCI_EEH_FREEZE_STATUS", [0, 507]));
        rig.Opal.Call("OPAL_PCI_EEH_FREEZE_SET", [0, 507, 2]);
        var r = rig.Opal.Call("OPAL_PCI_EEH_FREEZE_STATUS", [0, 507]);
        Assert.Equal(0L, r.Rc);
        Assert.Equal([2UL, 0UL], r.Out);
    }

    [Fact]
    public void A_wrong_argument_count_is_a_misuse_of_the_CSharp_API()
    {
        var rig = new PowerRig();
        Assert.Throws<ArgumentException>(() => rig.Opal.Call("OPAL_PCI_SET_PE", [0, 1]));
    }

    [Fact]
    public void Set_pe_maps_exactly_the_RIDs_its_compare_mask_selects_and_unmap_returns_them_to_the_reserved_PE()
    {
        var rig = new PowerRig(bootPes: false);
        // Bus 0x40..0x43 (6 bits compared): 4 buses, device and function ignored.
        Assert.Equal(OpalRc.Success, rig.Opal.SetPe(0, 9, 0x4000, (byte)OpalPciBusCompare.Bus6Bits, 0, 0, 1));
        Assert.Equal(9, rig.Phb.PeOf(0x4000));
        Assert.Equal(9, rig.Phb.PeOf(0x43ff));
        Assert.Equal(511, rig.Phb.PeOf(0x3fff));
        Assert.Equal(511, rig.Phb.PeOf(0x4400));
        // One function.
        Assert.Equal(OpalRc.Success, rig.Opal.SetPe(0, 10, 0x4108, 7, 1, 1, 1));
        Assert.Equal(10, rig.Phb.PeOf(0x4108));
        Assert.Equal(9, rig.Phb.PeOf(0x4109));
        // Unmap writes the reserved PE whatever PE number is given.
        Assert.Equal(OpalRc.Success, rig.Opal.SetPe(0, 3, 0x4108, 7, 1, 1, 0));
        Assert.Equal(511, rig.Phb.PeOf(0x4108));
        // Bus compare Any with device+function compare: that devfn on every bus.
        Assert.Equal(OpalRc.Success, rig.Opal.SetPe(0, 11, 0x0010, 0, 1, 1, 1));
        Assert.Equal(11, rig.Phb.PeOf(0x7710));
    }

    [Fact]
    public void Set_peltv_sets_and_clears_one_bit_of_the_parents_vector()
    {
        var rig = new PowerRig(bootPes: false);
        Assert.Equal(OpalRc.Success, rig.Opal.SetPeltv(0, 3, 200, 1));
        Assert.True(rig.Phb.Peltv.Contains(3, 200));
        Assert.Equal([200], rig.Phb.Peltv.Members(3));
        Assert.Equal(OpalRc.Success, rig.Opal.SetPeltv(0, 3, 200, 0));
        Assert.Empty(rig.Phb.Peltv.Members(3));
    }

    [Fact]
    public void Map_pe_dma_window_encodes_the_TVE_fields_as_skiboot_does()
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.MapPeDmaWindow(0, 5, 10, 3, 0x123_4000, 0x10000, 0x10000));
        var tve = rig.Phb.Tvt[10];
        Assert.Equal(0x123_4000UL, tve.TableAddress);
        Assert.Equal(3, tve.Levels);
        Assert.Equal(16 - 11, tve.TceTableSize);
        Assert.Equal(5, tve.IoPageSize);
        Assert.Equal(OpalRc.Success, rig.Opal.MapPeDmaWindowReal(0, 5, 11, (1UL << 59) | 0x100_0000, 0x300_0000));
        var real = rig.Phb.Tvt[11];
        Assert.True(real.NonTranslating);
        Assert.Equal(0x100_0000UL, real.BypassStart);
        Assert.Equal(0x400_0000UL, real.BypassEnd);
    }
}
