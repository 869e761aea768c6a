using Conformance.Reference.Devices;
using Conformance.Reference.Memory;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.DeviceTests;

public class DmaTestDeviceTests
{
    private const string Topology = """
    { "devices": [
      { "bdf": "0000:00:03.0", "kind": "rc-endpoint" },
      { "bdf": "0000:00:04.0", "kind": "rc-endpoint", "dma_mask_bits": 32 }
    ] }
    """;

    private static SimulatedPlatform Build(IIoBridge? bridge = null, Func<Bdf, Bdf>? wire = null, bool msi = false)
    {
        var b = new PlatformBuilder(TopologyJsonReader.Parse(Topology)).WithTestDeviceMsi(msi)
            .WithMemory([new MemoryRegion(0, 16UL << 20), new MemoryRegion(1UL << 32, 16UL << 20)]);
        if (bridge is not null) b.WithBridge(bridge);
        if (wire is not null) b.WithWireRequester(wire);
        return b.Build();
    }

    private static void Reg(SimulatedPlatform p, DmaTestDevice d, int reg, uint value) => p.Machine.CpuWrite(d.BarBase(0) + (ulong)reg, 4, value);
    private static uint Reg(SimulatedPlatform p, DmaTestDevice d, int reg) => (uint)p.Machine.CpuRead(d.BarBase(0) + (ulong)reg, 4);

    [Fact]
    public void Register_driven_dma_copies_memory_into_the_device_and_back_out_elsewhere()
    {
        var p = Build();
        var d = p.Device("0000:00:03.0");
        for (int i = 0; i < 6000; i++) p.Machine.Memory.TryWriteLe(0x10_0000 + (ulong)i, 1, (ulong)(i * 7 + 3) & 0xff);
        // Read 6000 bytes (crossing 4 KiB pages) from bus 0x100000 into local memory at 0x100.
        Reg(p, d, DmaTestDevice.RegDmaAddr, 0x10_0000);
        Reg(p, d, DmaTestDevice.RegDmaAddrHi, 0);
        Reg(p, d, DmaTestDevice.RegLocal, 0x100);
        Reg(p, d, DmaTestDevice.RegLength, 6000);
        Reg(p, d, DmaTestDevice.RegCommand, DmaTestDevice.CommandRead);
        Assert.Equal(0x10u, Reg(p, d, DmaTestDevice.RegStatus)); // ok, no error
        Assert.Equal(6000u, Reg(p, d, DmaTestDevice.RegDone));
        Assert.Equal((uint)(5999 * 7 + 3) & 0xff, p.Machine.CpuRead(d.BarBase(0) + DmaTestDevice.LocalMemoryOffset + 0x100 + 5999, 1));
        // And write it back at 0x200000.
        Reg(p, d, DmaTestDevice.RegDmaAddr, 0x20_0000);
        Reg(p, d, DmaTestDevice.RegCommand, DmaTestDevice.CommandWrite);
        var a = new byte[6000];
        var b = new byte[6000];
        Assert.True(p.Machine.Memory.TryRead(0x10_0000, a));
        Assert.True(p.Machine.Memory.TryRead(0x20_0000, b));
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_32_bit_device_cannot_drive_address_bits_above_31()
    {
        var p = Build();
        var d = p.Device("0000:00:04.0");
        Reg(p, d, DmaTestDevice.RegDmaAddrHi, 0x1);
        Assert.Equal(0u, Reg(p, d, DmaTestDevice.RegDmaAddrHi));
        // Through the test API too: 4 GiB + 0x3000 wraps to 0x3000.
        var o = d.DmaWrite((1UL << 32) + 0x3000, [0xAA, 0xBB, 0xCC, 0xDD]);
        Assert.True(o.IsOk);
        Assert.Equal(0x3000UL, o.Address);
        Assert.True(p.Machine.Memory.TryReadLe((1UL << 32) + 0x3000, 4, out ulong high));
        Assert.Equal(0UL, high);
        Assert.True(p.Machine.Memory.TryReadLe(0x3000, 4, out ulong low));
        Assert.Equal(0xDDCCBBAAUL, low);
        // A 64-bit device reaches it.
        Assert.True(p.Device("0000:00:03.0").DmaWrite((1UL << 32) + 0x3000, [1]).IsOk);
        Assert.True(p.Machine.Memory.TryReadLe((1UL << 32) + 0x3000, 1, out high));
        Assert.Equal(1UL, high);
    }

    [Fact]
    public void Dma_to_unbacked_memory_master_aborts_and_sets_received_master_abort()
    {
        var p = Build();
        var d = p.Device("0000:00:03.0");
        var o = d.DmaRead(0x10_0000 - 8 + (16UL << 20) - 0x10_0000, 16, out _); // last 8 bytes backed, next 8 not
        Assert.Equal(DmaResultKind.Abort, o.Kind);
        Assert.Equal(8, o.BytesDone);
        Assert.Equal(16UL << 20, o.FaultAddress);
        Assert.Equal(0x2000u, p.Machine.ConfigRead(d.Bdf, 0x06, 2) & 0x2000);
        // Its registers report it too: error, outcome 4 (abort).
        Assert.Equal(0x42u, Reg(p, d, DmaTestDevice.RegStatus) & 0xFF);
        p.Machine.ConfigWrite(d.Bdf, 0x06, 2, 0x2000);
        Assert.Equal(0u, p.Machine.ConfigRead(d.Bdf, 0x06, 2) & 0x2000);
    }

    [Fact]
    public void With_bus_master_disabled_the_device_moves_no_data_and_sends_no_interrupt()
    {
        var p = Build();
        var d = p.Device("0000:00:03.0");
        EnableVector(p, d, 0, dest: 0, vector: 0x30);
        uint cmd = p.Machine.ConfigRead(d.Bdf, 0x04, 2);
        p.Machine.ConfigWrite(d.Bdf, 0x04, 2, cmd & ~4u);
        var o = d.DmaWrite(0x5000, [1, 2, 3, 4]);
        Assert.Equal(DmaResultKind.Abort, o.Kind);
        Assert.Equal(0, o.BytesDone);
        Assert.True(p.Machine.Memory.TryReadLe(0x5000, 4, out ulong v));
        Assert.Equal(0UL, v);
        Assert.Equal(MsixSendKind.BusMasterDisabled, d.RaiseVector(0).Kind);
        Assert.Empty(p.Machine.Interrupts.All);
        p.Machine.ConfigWrite(d.Bdf, 0x04, 2, cmd);
        Assert.True(d.DmaWrite(0x5000, [1, 2, 3, 4]).IsOk);
        Assert.True(d.RaiseVector(0).Delivered);
    }

    /// <summary>Programs MSI-X entry <paramref name="entry"/> through BAR0 as a driver does and enables MSI-X.</summary>
    internal static void EnableVector(SimulatedPlatform p, DmaTestDevice d, int entry, uint dest, int vector, bool unmask = true)
    {
        var m = d.Msix!;
        ulong e = d.BarBase(m.TableBar) + m.TableOffset + (ulong)(16 * entry);
        p.Machine.CpuWrite(e + 0, 4, 0xFEE0_0000 | (dest << 12));
        p.Machine.CpuWrite(e + 4, 4, 0);
        p.Machine.CpuWrite(e + 8, 4, (uint)vector);
        if (unmask) p.Machine.CpuWrite(e + 12, 4, 0);
        uint ctl = p.Machine.ConfigRead(d.Bdf, m.CapabilityOffset + 2, 2);
        p.Machine.ConfigWrite(d.Bdf, m.CapabilityOffset + 2, 2, ctl | 0x8000);
    }

    [Fact]
    public void Msix_reaches_the_programmed_apic_and_vector_and_a_masked_vector_waits_in_the_pba_until_unmasked()
    {
        var p = Build();
        var d = p.Device("0000:00:03.0");
        var m = d.Msix!;
        Assert.Equal(8, m.Vectors);
        EnableVector(p, d, 3, dest: 2, vector: 0x41);
        var s = d.RaiseVector(3);
        Assert.True(s.Delivered);
        var got = Assert.Single(p.Machine.Interrupts[2].Delivered);
        Assert.Equal(0x41, got.Vector);
        Assert.Equal(d.Bdf.RequesterId, got.SourceId);

        // Mask entry 3 through the table: raising sets PBA bit 3 and sends nothing.
        ulong entry = d.BarBase(0) + m.TableOffset + 3 * 16;
        ulong pba = d.BarBase(0) + m.PbaOffset;
        p.Machine.CpuWrite(entry + 12, 4, 1);
        Assert.Equal(MsixSendKind.Pending, d.RaiseVector(3).Kind);
        Assert.Equal(0x8UL, p.Machine.CpuRead(pba, 8));
        Assert.Single(p.Machine.Interrupts[2].Delivered);
        // Unmask: the pending message goes out and the PBA bit clears.
        p.Machine.CpuWrite(entry + 12, 4, 0);
        Assert.Equal(2, p.Machine.Interrupts[2].Delivered.Count);
        Assert.Equal(0UL, p.Machine.CpuRead(pba, 8));

        // Function mask (bit 14) holds every vector; clearing it releases the pending one.
        uint ctl = p.Machine.ConfigRead(d.Bdf, m.CapabilityOffset + 2, 2);
        p.Machine.ConfigWrite(d.Bdf, m.CapabilityOffset + 2, 2, ctl | 0x4000);
        Assert.Equal(MsixSendKind.Pending, d.RaiseVector(3).Kind);
        Assert.True(m.IsPending(3));
        Assert.Equal(2, p.Machine.Interrupts[2].Delivered.Count);
        p.Machine.ConfigWrite(d.Bdf, m.CapabilityOffset + 2, 2, ctl & ~0x4000u);
        Assert.Equal(3, p.Machine.Interrupts[2].Delivered.Count);
        Assert.False(m.IsPending(3));

        // Disabled: nothing at all.
        p.Machine.ConfigWrite(d.Bdf, m.CapabilityOffset + 2, 2, 0);
        Assert.Equal(MsixSendKind.Disabled, d.RaiseVector(3).Kind);
        Assert.False(m.IsPending(3));
    }

    [Fact]
    public void Entries_start_masked_and_the_pba_and_reserved_vector_control_bits_ignore_writes()
    {
        var p = Build();
        var d = p.Device("0000:00:03.0");
        var m = d.Msix!;
        ulong entry = d.BarBase(0) + m.TableOffset;
        Assert.Equal(1UL, p.Machine.CpuRead(entry + 12, 4));
        p.Machine.CpuWrite(entry + 12, 4, 0xFFFF_FFFE);
        Assert.Equal(0UL, p.Machine.CpuRead(entry + 12, 4));
        p.Machine.CpuWrite(d.BarBase(0) + m.PbaOffset, 8, ulong.MaxValue);
        Assert.Equal(0UL, p.Machine.CpuRead(d.BarBase(0) + m.PbaOffset, 8));
        // A 64-bit write sets address low and high at once.
        p.Machine.CpuWrite(entry, 8, 0x0000_0001_FEE0_1000);
        Assert.Equal(0x0000_0001_FEE0_1000UL, m.Entry(0).Address);
    }

    [Fact]
    public void The_doorbell_and_completion_command_raise_vectors()
    {
        var p = Build();
        var d = p.Device("0000:00:03.0");
        EnableVector(p, d, 1, dest: 0, vector: 0x51);
        EnableVector(p, d, 2, dest: 1, vector: 0x52);
        Reg(p, d, DmaTestDevice.RegDoorbell, 1);
        Assert.Equal(0u, Reg(p, d, DmaTestDevice.RegDoorbell)); // sent
        Reg(p, d, DmaTestDevice.RegLength, 4);
        Reg(p, d, DmaTestDevice.RegDmaAddr, 0x8000);
        Reg(p, d, DmaTestDevice.RegCommand, DmaTestDevice.CommandWrite | DmaTestDevice.CommandRaiseOnCompletion | (2u << 16));
        Assert.Equal([0x51, 0x52], p.Machine.Interrupts.All.Select(i => i.Vector));
        Assert.Equal(1u, p.Machine.Interrupts.All.Last().Destination);
    }

    [Fact]
    public void Msi_sends_the_granted_vector_in_the_low_data_bits_and_honours_per_vector_masking()
    {
        var p = Build(msi: true);
        var d = p.Device("0000:00:03.0");
        Assert.Null(Build().Device("0000:00:03.0").Msi);
        var msi = d.Msi!;
        int at = msi.CapabilityOffset;
        Assert.Equal([0x01, 0x10, 0x11, 0x05], PciTests.ConfigProbe.Capabilities(d).Select(c => (int)c.Id));
        Assert.Equal(0x0184u, p.Machine.ConfigRead(d.Bdf, at + 2, 2)); // 4 vectors capable, 64-bit, per-vector masking
        p.Machine.ConfigWrite(d.Bdf, at + 4, 4, 0xFEE0_3000);             // destination APIC 3
        p.Machine.ConfigWrite(d.Bdf, at + 8, 4, 0);
        p.Machine.ConfigWrite(d.Bdf, at + 0xC, 2, 0x60);
        p.Machine.ConfigWrite(d.Bdf, at + 2, 2, 0x0011);                  // enable, 2 vectors granted (MME=1)
        Assert.Equal(MsixSendKind.NoSuchVector, d.RaiseVector(2).Kind);
        Assert.True(d.RaiseVector(1).Delivered);
        Assert.Equal(0x61, p.Machine.Interrupts[3].Delivered.Single().Vector);
        p.Machine.ConfigWrite(d.Bdf, at + 0x10, 4, 0x1);                  // mask vector 0
        Assert.Equal(MsixSendKind.Pending, d.RaiseVector(0).Kind);
        Assert.Equal(0x1u, p.Machine.ConfigRead(d.Bdf, at + 0x14, 4));
        p.Machine.ConfigWrite(d.Bdf, at + 0x14, 4, 0);                    // pending bits are read-only
        Assert.Equal(0x1u, p.Machine.ConfigRead(d.Bdf, at + 0x14, 4));
        p.Machine.ConfigWrite(d.Bdf, at + 0x10, 4, 0x0);
        Assert.Equal([0x61, 0x60], p.Machine.Interrupts[3].Delivered.Select(i => i.Vector));
        Assert.Equal(0x0u, p.Machine.ConfigRead(d.Bdf, at + 0x14, 4));
        // Once MSI-X is enabled the device uses MSI-X instead.
        EnableVector(p, d, 0, dest: 0, vector: 0x70);
        Assert.True(d.RaiseVector(0).Delivered);
        Assert.Equal(0x70, p.Machine.Interrupts[0].Delivered.Single().Vector);
    }

    private sealed class RecordingBridge : IIoBridge
    {
        public List<DmaRequest> Requests { get; } = [];
        public string Platform => "none";
        public DmaTranslation Translate(in DmaRequest request)
        {
            Requests.Add(request);
            return request.Address >= 0x40_0000 ? DmaTranslation.Fault(0x5, "test: above 4 MiB is read-only") : DmaTranslation.Ok(request.Address + 0x10_0000);
        }
        public InterruptOutcome Remap(in MsiRequest request) => InterruptOutcome.Blocked(0x22);
    }

    [Fact]
    public void Device_dma_goes_through_the_io_bridge_with_the_wire_requester_and_a_blocked_read_sets_master_abort()
    {
        var bridge = new RecordingBridge();
        var alias = Bdf.Parse("0000:00:1e.0");
        var p = Build(bridge, b => b.Device == 3 ? alias : b);
        var d = p.Device("0000:00:03.0");
        var o = d.DmaWrite(0x1000, [9, 9]);
        Assert.True(o.IsOk);
        Assert.Equal(0x10_1000UL, o.Address);
        Assert.Equal(alias.RequesterId, bridge.Requests.Single().RequesterId);
        Assert.True(p.Machine.Memory.TryReadLe(0x10_1000, 2, out ulong v));
        Assert.Equal(0x0909UL, v);
        // A write the bridge faults is posted: no completion, no status bit. A faulted read completes with UR.
        Assert.Equal(DmaResultKind.Fault, d.DmaWrite(0x40_0000, [1]).Kind);
        Assert.Equal(0u, p.Machine.ConfigRead(d.Bdf, 6, 2) & 0x2000);
        var r = d.DmaRead(0x40_0000, 4, out _);
        Assert.Equal(DmaResultKind.Fault, r.Kind);
        Assert.Equal(5, r.Reason);
        Assert.Equal(0x2000u, p.Machine.ConfigRead(d.Bdf, 6, 2) & 0x2000);
        Assert.Equal(0x0005_0022u, Reg(p, d, DmaTestDevice.RegStatus)); // reason 5, outcome 2 (fault), error
    }
}
