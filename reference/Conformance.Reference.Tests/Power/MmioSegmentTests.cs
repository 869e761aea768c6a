using Conformance.Reference.Bus;
using Conformance.Reference.Power;

namespace Conformance.Reference.Tests.Power;

public class MmioSegmentTests
{
    [Fact]
    public void Boot_maps_each_BARs_M32_segment_to_its_PE()
    {
        var rig = new PowerRig();
        Assert.Equal(0x40_0000UL, rig.Config.M32SegmentSize); // 2 GiB / 512
        Assert.Equal(PowerRig.PeA, rig.Phb.Mdt.M32Pe(1));
        Assert.Equal(PowerRig.PeB, rig.Phb.Mdt.M32Pe(2));
        Assert.Equal(PowerRig.PeA, rig.Phb.PeOfCpuAddress(PowerRig.Cpu(PowerRig.BarA) + 0x3f_fff0));
    }

    [Fact]
    public void A_stray_MMIO_load_inside_a_segment_freezes_only_the_PE_owning_that_segment()
    {
        var rig = new PowerRig();
        // Inside segment 1 (PE A) but past A's 64 KiB BAR: no device claims it.
        ulong stray = PowerRig.Cpu(PowerRig.BarA) + 0x2_0000;
        Assert.Equal(MmioBus.AllOnes(4), rig.Machine.CpuRead(stray, 4));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeA));
        Assert.True((rig.Phb.Pest.Record(PowerRig.PeA)!.Value.Pest0 & PeErrorRecord.MmioCause) != 0);
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeB));
        ulong b = PowerRig.Cpu(PowerRig.BarB);
        rig.Machine.CpuWrite(b, 4, 0x77);
        Assert.Equal(0x77UL, rig.Machine.CpuRead(b, 4));
    }

    [Fact]
    public void A_stray_MMIO_store_freezes_the_owning_PE_too()
    {
        var rig = new PowerRig();
        rig.Machine.CpuWrite(PowerRig.Cpu(PowerRig.BarB) + 0x10_0000, 8, 1);
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(PowerRig.PeB));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
    }

    [Fact]
    public void Remapping_a_segment_moves_the_consequence_of_a_stray_access_to_the_new_owner()
    {
        var rig = new PowerRig();
        Assert.Equal(OpalRc.Success, rig.Opal.MapPeMmioWindow(0, 100, (ushort)OpalMmioWindowType.M32, 0, 1));
        rig.Machine.CpuRead(PowerRig.Cpu(PowerRig.BarA) + 0x2_0000, 4);
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(100));
        Assert.Equal(OpalFreezeState.NotFrozen, rig.State(PowerRig.PeA));
        // And with MMIO of PE 100 frozen, even A's real BAR (same segment) reads all-ones.
        Assert.Equal(MmioBus.AllOnes(4), rig.Machine.CpuRead(PowerRig.Cpu(PowerRig.BarA), 4));
    }

    [Fact]
    public void M64_split_mode_gives_segment_n_to_PE_n_and_single_PE_mode_gives_the_whole_BAR_to_one_PE()
    {
        var rig = new PowerRig(); // boot enabled the last BAR (31) over the whole 64 GiB M64 window, split
        ulong seg = rig.Config.M64SegmentSize; // 128 MiB
        Assert.Equal(0x800_0000UL, seg);
        Assert.True(rig.Phb.Mbt.Hardware(31).Enabled);
        Assert.Equal(7, rig.Phb.PeOfCpuAddress(PowerRig.M64Cpu + 7 * seg + 0x100));
        // A stray access in segment 7 freezes PE 7.
        Assert.Equal(ulong.MaxValue, rig.Machine.CpuRead(PowerRig.M64Cpu + 7 * seg, 8));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(7));

        // Single-PE BAR 3: must be configured while disabled; enabling with the wrong mode is refused.
        const ushort m64 = (ushort)OpalMmioWindowType.M64;
        ulong bar3 = PowerRig.M64Cpu; // overlapping the split BAR is allowed; the lower BAR number decodes first
        Assert.Equal(OpalRc.Success, rig.Opal.SetPhbMemWindow(0, m64, 3, bar3, 0, 0x100_0000));
        Assert.Equal(OpalRc.Parameter, rig.Opal.PhbMmioEnable(0, m64, 3, (ushort)OpalM64Action.EnableNonSplit)); // still PE_SEG mode
        Assert.Equal(OpalRc.Success, rig.Opal.MapPeMmioWindow(0, 42, m64, 3, 0));
        Assert.Equal(OpalRc.Parameter, rig.Opal.PhbMmioEnable(0, m64, 3, (ushort)OpalM64Action.EnableSplit)); // now SINGLE_PE
        Assert.Equal(OpalRc.Success, rig.Opal.PhbMmioEnable(0, m64, 3, (ushort)OpalM64Action.EnableNonSplit));
        Assert.Equal(42, rig.Phb.PeOfCpuAddress(bar3 + 0xff_0000));
        Assert.Equal(OpalRc.Partial, rig.Opal.MapPeMmioWindow(0, 43, m64, 3, 0));       // enabled: no changes
        Assert.Equal(OpalRc.Partial, rig.Opal.SetPhbMemWindow(0, m64, 3, bar3, 0, 0x100_0000));
        Assert.Equal(OpalRc.Success, rig.Opal.PhbMmioEnable(0, m64, 3, (ushort)OpalM64Action.Disable));
        Assert.False(rig.Phb.Mbt.Hardware(3).Enabled);
        Assert.Equal(0, rig.Phb.PeOfCpuAddress(bar3 + 0x100)); // back to the split BAR 31: segment 0 → PE 0
    }

    [Fact]
    public void Enabling_an_M64_BAR_below_the_window_or_without_a_size_is_partial()
    {
        var rig = new PowerRig();
        const ushort m64 = (ushort)OpalMmioWindowType.M64;
        Assert.Equal(OpalRc.Partial, rig.Opal.PhbMmioEnable(0, m64, 5, (ushort)OpalM64Action.EnableSplit)); // no mask yet
        Assert.Equal(OpalRc.Success, rig.Opal.SetPhbMemWindow(0, m64, 5, 0x1000_0000, 0, 0x100_0000));
        Assert.Equal(OpalRc.Partial, rig.Opal.PhbMmioEnable(0, m64, 5, (ushort)OpalM64Action.EnableSplit)); // below mm0_base
    }

    [Fact]
    public void M64_segments_follow_the_PCI_address_when_the_window_translates()
    {
        var rig = new PowerRig(m64Pci: 0x40_0000_0000);
        var log = rig.Platform.Assignment.Program(rig.Opal, rig.Config);
        Assert.All(log, e => Assert.Equal(0L, e.Result.Rc));
        Assert.Equal(0x40_0000_0000UL, rig.Phb.Mbt.Hardware(31).Base);
        Assert.Equal(ulong.MaxValue, rig.Machine.CpuRead(PowerRig.M64Cpu + 9 * rig.Config.M64SegmentSize, 8));
        Assert.Equal(OpalFreezeState.MmioDmaFreeze, rig.State(9));
    }
}
