using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;
using CsCheck;

namespace Conformance.Reference.Tests.PciTests;

public class ConfigSpaceTests
{
    [Theory]
    [InlineData(BarKind.Mem32, false, 16UL)]
    [InlineData(BarKind.Mem32, false, 4096UL)]
    [InlineData(BarKind.Mem32, true, 1UL << 20)]
    [InlineData(BarKind.Mem32, false, 1UL << 31)]
    [InlineData(BarKind.Mem64, false, 16UL)]
    [InlineData(BarKind.Mem64, true, 256UL << 20)]
    [InlineData(BarKind.Mem64, true, 1UL << 32)]
    [InlineData(BarKind.Mem64, true, 64UL << 30)]
    [InlineData(BarKind.Io, false, 4UL)]
    [InlineData(BarKind.Io, false, 256UL)]
    public void Software_sizing_a_bar_reads_back_its_size_and_type_bits(BarKind kind, bool prefetch, ulong size)
    {
        var f = new PciFunction(TestSpecs.Endpoint(bars: new BarSpec(2, size, kind, prefetch, Base: kind == BarKind.Io ? 0x2000 : 0x80_0000_0000 & ~(size - 1) & (kind == BarKind.Mem32 ? 0xFFFF_FFFFUL : ulong.MaxValue))), false);
        uint before = f.ConfigRead(0x18, 4);
        var (probed, type) = ConfigProbe.SizeBar(f, 2);
        Assert.Equal(size, probed);
        uint expectedType = kind switch
        {
            BarKind.Io => 0x1u,
            BarKind.Mem64 => 0x4u | (prefetch ? 0x8u : 0),
            _ => prefetch ? 0x8u : 0,
        };
        Assert.Equal(expectedType, type);
        Assert.Equal(before, f.ConfigRead(0x18, 4)); // restored
        if (kind == BarKind.Mem64) Assert.Equal(0u, f.ConfigRead(0x18, 4) & 0x1); // memory, not I/O
        // A BAR that is not implemented reads 0 after the all-ones write.
        f.ConfigWrite(0x10, 4, 0xFFFF_FFFF);
        Assert.Equal(0u, f.ConfigRead(0x10, 4));
    }

    [Fact]
    public void The_upper_half_of_a_64_bit_bar_is_the_next_register_and_moves_the_decode()
    {
        var f = new PciFunction(TestSpecs.Endpoint(bars: new BarSpec(0, 1UL << 20, BarKind.Mem64, true)), false);
        f.ConfigWrite(0x10, 4, 0xE010_0000);
        f.ConfigWrite(0x14, 4, 0x0000_0042);
        Assert.Equal(0x42_E010_0000UL, f.BarBase(0));
        Assert.Equal(0xE010_000Cu, f.ConfigRead(0x10, 4));
    }

    [Fact]
    public void Capability_walk_finds_pm_pcie_and_msix_and_the_extended_list_finds_acs_and_ari_with_real_ids()
    {
        var spec = TestSpecs.RootPort("0000:00:1c.0", 1, 1, new AcsSpec(0x5f, 0x1d)) with { Ari = true, Bars = [new BarSpec(0, 0x4000, BarKind.Mem32)] };
        var f = new PciBridge(spec, false, new MsixSpec(4, 0, 0x2000, 0, 0x3000));
        var caps = ConfigProbe.Capabilities(f);
        Assert.Equal([0x01, 0x10, 0x11], caps.Select(c => (int)c.Id));
        int pcie = caps.Single(c => c.Id == 0x10).Offset;
        Assert.Equal(pcie, f.PciExpressOffset);
        // Device/Port Type, bits 7:4 of the PCI Express Capabilities register: Root Port = 4; version 2.
        uint expCap = f.ConfigRead(pcie + 2, 2);
        Assert.Equal(0x4u, (expCap >> 4) & 0xF);
        Assert.Equal(0x2u, expCap & 0xF);
        int msix = caps.Single(c => c.Id == 0x11).Offset;
        Assert.Equal(3u, f.ConfigRead(msix + 2, 2) & 0x7FF);            // table size N-1
        Assert.Equal(0x2000u, f.ConfigRead(msix + 4, 4));                // offset 0x2000, BIR 0
        Assert.Equal(0x3000u, f.ConfigRead(msix + 8, 4));
        var ext = ConfigProbe.ExtendedCapabilities(f);
        Assert.Equal([0x0D, 0x0E], ext.Select(e => (int)e.Id));
        Assert.Equal(0x100, ext[0].Offset);
        Assert.Equal(0x5fu, f.ConfigRead(0x104, 2));
        Assert.Equal(0x1du, f.ConfigRead(0x106, 2));
        Assert.Equal(0x1u, (f.ConfigRead(0x100, 4) >> 16) & 0xF); // capability version 1
        Assert.Equal(0x10u, f.ConfigRead(0x06, 2) & 0x10);          // capabilities list bit
        Assert.Equal(0x01u, f.ConfigRead(0x0E, 1));                  // type 1 header, single function
    }

    [Theory]
    [InlineData(0x5f, 0x5f)]
    [InlineData(0x1f, 0x1f)]
    [InlineData(0x01, 0x01)]
    [InlineData(0x00, 0x00)]
    public void Acs_control_keeps_unimplemented_bits_zero(int cap, int expected)
    {
        var f = new PciBridge(TestSpecs.RootPort("0000:00:1c.0", 1, 1, new AcsSpec((ushort)cap, 0)), false);
        f.ConfigWrite(f.AcsOffset + 6, 2, 0xFFFF);
        Assert.Equal((uint)expected, f.ConfigRead(f.AcsOffset + 6, 2));
        f.ConfigWrite(f.AcsOffset + 4, 2, 0x0000); // the capability register is read-only
        Assert.Equal((uint)cap, f.ConfigRead(f.AcsOffset + 4, 2));
        f.ConfigWrite(f.AcsOffset + 6, 2, 0);
        Assert.Equal(0u, f.ConfigRead(f.AcsOffset + 6, 2));
    }

    [Fact]
    public void Status_error_bits_are_write_one_to_clear_and_command_keeps_only_implemented_bits()
    {
        var f = new PciFunction(TestSpecs.Endpoint(), false);
        f.RecordReceivedMasterAbort();
        Assert.Equal(0x2000u, f.ConfigRead(0x06, 2) & 0x2000);
        f.ConfigWrite(0x06, 2, 0x0000); // writing 0 leaves it
        Assert.Equal(0x2000u, f.ConfigRead(0x06, 2) & 0x2000);
        f.ConfigWrite(0x06, 2, 0x2000); // writing 1 clears it, and the capability bit stays
        Assert.Equal(0x0010u, f.ConfigRead(0x06, 2));
        f.ConfigWrite(0x04, 2, 0xFFFF);
        Assert.Equal(0x0547u, f.ConfigRead(0x04, 2));
    }

    [Fact]
    public void A_function_that_does_not_exist_reads_all_ones()
    {
        var m = new Machine(new PhysicalMemory([]));
        m.Pci.Add(new PciFunction(TestSpecs.Endpoint("0000:00:03.0"), false));
        Assert.Equal(0xFFFFu, m.ConfigRead(Bdf.Parse("0000:00:04.0"), 0, 2));
        Assert.Equal(0xFFFF_FFFFu, m.ConfigRead(Bdf.Parse("0001:00:03.0"), 0, 4));
        m.ConfigWrite(Bdf.Parse("0000:00:04.0"), 4, 2, 0x6); // dropped, no throw
        Assert.Equal(0x1b36u, m.ConfigRead(Bdf.Parse("0000:00:03.0"), 0, 2));
    }

    /// <summary>Read-only registers every function has, and what must not change under any write.</summary>
    private static List<(int Offset, int Width)> ReadOnlyRegisters(PciFunction f)
    {
        var ro = new List<(int, int)> { (0x00, 4), (0x08, 4), (0x0E, 1), (0x34, 1), (0x3D, 1) };
        if (f.HeaderType == PciHeaderType.Normal) ro.Add((0x2C, 4));
        foreach (var b in f.Bars) ro.Add((b.Offset, 1)); // low byte holds the type bits and hard-wired zero address bits
        foreach (var (at, _) in ConfigProbe.Capabilities(f)) ro.Add((at, 2)); // ID and next pointer
        if (f.Msix is { } m) { ro.Add((m.CapabilityOffset + 4, 4)); ro.Add((m.CapabilityOffset + 8, 4)); }
        if (f.PciExpressOffset != 0) ro.Add((f.PciExpressOffset + 2, 2));
        if (f.AcsOffset != 0) { ro.Add((f.AcsOffset, 4)); ro.Add((f.AcsOffset + 4, 2)); }
        if (f.AriOffset != 0) ro.Add((f.AriOffset, 4));
        return ro;
    }

    [Fact]
    public void Random_config_writes_anywhere_never_throw_and_never_change_read_only_registers()
    {
        var write = Gen.Select(Gen.Int[0, 4095], Gen.OneOf(1, 2, 4), Gen.UInt);
        Gen.Select(Gen.Bool, write.Array[1, 60]).Sample((bridge, writes) =>
        {
            PciFunction f = bridge
                ? new PciBridge(TestSpecs.RootPort("0000:00:1c.0", 1, 3, new AcsSpec(0x1d, 0x1d)) with { Ari = true, Bars = [new BarSpec(0, 0x4000, BarKind.Mem32)] }, true, new MsixSpec(2, 0, 0, 0, 0x800))
                : new Conformance.Reference.Devices.DmaTestDevice(TestSpecs.Endpoint(bars: [new BarSpec(0, 0x2_0000, BarKind.Mem64, true), new BarSpec(2, 0x100, BarKind.Mem32), new BarSpec(4, 64, BarKind.Io)]) with
                {
                    Msix = new MsixSpec(8, 0, 0x2000, 0, 0x3000), Acs = new AcsSpec(0x7f, 0), Ari = true,
                }, false);
            var ro = ReadOnlyRegisters(f);
            var before = ro.Select(r => r.Width == 1 ? f.ConfigRead(r.Offset, 1) & (r.Offset >= 0x10 && r.Offset < 0x28 ? 0x0Fu : 0xFFu) : f.ConfigRead(r.Offset, r.Width)).ToList();
            foreach (var (offset, width, value) in writes) f.ConfigWrite(offset, width, value);
            var after = ro.Select(r => r.Width == 1 ? f.ConfigRead(r.Offset, 1) & (r.Offset >= 0x10 && r.Offset < 0x28 ? 0x0Fu : 0xFFu) : f.ConfigRead(r.Offset, r.Width)).ToList();
            Assert.Equal(before, after);
            // Bits 3:0 of the status register and the capabilities-list bit are read-only too.
            Assert.Equal(0x10u, f.ConfigRead(0x06, 2) & 0xFF);
        }, iter: 400, seed: "0N0XIzNsQ0O2");
    }
}
