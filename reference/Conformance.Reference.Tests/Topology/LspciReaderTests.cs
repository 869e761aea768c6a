using Conformance.Reference.Pci;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Topology;

public sealed class LspciReaderTests
{
    // Lines as lspci -vvnn prints them (tabs), trimmed to what matters plus some lines the reader must skip.
    private const string Sample =
        "00:01.1 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Starship/Matisse GPP Bridge [1022:1483] (prog-if 00 [Normal decode])\n" +
        "\tSubsystem: ASRock Incorporation Starship/Matisse GPP Bridge [1849:1453]\n" +
        "\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx+\n" +
        "\tIOMMU group: 1\n" +
        "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n" +
        "\tCapabilities: [58] Express (v2) Root Port (Slot+), IntMsgNum 0\n" +
        "\t\tDevCap:\tMaxPayload 512 bytes, PhantFunc 0\n" +
        "\tCapabilities: [2a0 v1] Access Control Services\n" +
        "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+\n" +
        "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n" +
        "\tKernel driver in use: pcieport\n" +
        "\n" +
        "01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1) (prog-if 00 [VGA controller])\n" +
        "\tRegion 0: Memory at fb000000 (32-bit, non-prefetchable) [size=16M]\n" +
        "\tRegion 1: Memory at 7c00000000 (64-bit, prefetchable) [size=8G]\n" +
        "\tRegion 5: I/O ports at f000 [size=128]\n" +
        "\tExpansion ROM at fc000000 [virtual] [disabled] [size=512K]\n" +
        "\tCapabilities: [68] Express (v2) Legacy Endpoint, MSI 00\n" +
        "\tCapabilities: [b4] MSI-X: Enable+ Count=6 Masked-\n" +
        "\t\tVector table: BAR=0 offset=000b0000\n" +
        "\t\tPBA: BAR=0 offset=000b8000\n" +
        "\tCapabilities: [150 v1] Alternative Routing-ID Interpretation (ARI)\n" +
        "\n" +
        "01:00.1 Audio device [0403]: NVIDIA Corporation GA102 High Definition Audio Controller [10de:1aef] (rev a1)\n" +
        "\tCapabilities: [60] Express (v2) Endpoint, IntMsgNum 0\n" +
        "\n" +
        "10000:e0:06.0 PCI bridge [0604]: Intel Corporation Raptor Lake PCIe 4.0 Graphics Port [8086:a74d] (rev 01) (prog-if 00 [Normal decode])\n" +
        "\tBus: primary=00, secondary=e1, subordinate=e1, sec-latency=0\n" +
        "\n" +
        "00:00.0 Host bridge [0600]: Intel Corporation Device [8086:a708] (rev 01)\n" +
        "00:1e.0 PCI bridge [0604]: Intel Corporation 82801 PCI Bridge [8086:244e] (rev d5) (prog-if 01 [Subtractive decode])\n" +
        "\tBus: primary=00, secondary=05, subordinate=05, sec-latency=32\n" +
        "\tCapabilities: [50] PCI-X bridge device\n" +
        "00:1f.3 Audio device [0403]: Intel Corporation Device [8086:51ca] (rev 01)\n";

    private static DeviceSpec Find(TopologySpec t, string bdf) => t.Devices.Single(d => d.Bdf == Bdf.Parse(bdf));

    [Fact]
    public void Header_bus_Express_ACS_and_driver_lines_become_a_root_port()
    {
        var t = LspciReader.Parse(Sample, "sample.txt");
        var rp = Find(t, "00:01.1");
        Assert.Equal(DeviceKind.RootPort, rp.Kind);
        Assert.Equal((ushort)0x1022, rp.Vendor);
        Assert.Equal((ushort)0x1483, rp.DeviceId);
        Assert.Equal(0x060400u, rp.ClassCode);
        Assert.Equal((byte?)1, rp.Secondary);
        Assert.Equal((byte?)1, rp.Subordinate);
        Assert.Equal(new AcsSpec(0x5f, 0x1d), rp.Acs);
        Assert.Equal("pcieport", rp.Driver);
        Assert.Equal((ushort?)0x1849, rp.SubsystemVendor);
        Assert.Equal((ushort?)0x1453, rp.SubsystemDevice);
        Assert.Null(rp.Multifunction);
        Assert.Equal(new SourcePos("sample.txt", 1, 1), rp.Source);
    }

    [Fact]
    public void Regions_MSI_X_revision_and_ARI_are_read_from_an_endpoint()
    {
        var gpu = Find(LspciReader.Parse(Sample), "01:00.0");
        Assert.Equal(DeviceKind.LegacyEndpoint, gpu.Kind);
        Assert.Equal((byte)0xa1, gpu.Revision);
        Assert.Equal(0x030000u, gpu.ClassCode);
        Assert.Equal(
            new[] { new BarSpec(0, 16UL << 20, BarKind.Mem32, false, 0xfb000000), new BarSpec(1, 8UL << 30, BarKind.Mem64, true, 0x7c00000000),
                    new BarSpec(5, 128, BarKind.Io, false, 0xf000) },
            gpu.Bars);
        Assert.Equal(new MsixSpec(6, 0, 0xb0000, 0, 0xb8000), gpu.Msix);
        Assert.True(gpu.Ari);
        Assert.Null(gpu.Acs);
    }

    [Fact]
    public void Kind_without_an_Express_capability_comes_from_the_header()
    {
        var t = LspciReader.Parse(Sample);
        Assert.Equal(DeviceKind.HostBridge, Find(t, "00:00.0").Kind);
        var pcix = Find(t, "00:1e.0");
        Assert.Equal(DeviceKind.PciBridge, pcix.Kind);
        Assert.True(pcix.PciX);
        Assert.Equal(0x060401u, pcix.ClassCode);
        Assert.Equal(DeviceKind.PciDevice, Find(t, "00:1f.3").Kind);
        Assert.Equal(DeviceKind.PciBridge, Find(t, "10000:e0:06.0").Kind);
        Assert.Equal(0x10000, Find(t, "10000:e0:06.0").Bdf.Segment);
    }

    [Fact]
    public void IOMMU_group_lines_do_not_change_the_topology()
    {
        string without = string.Join('\n', Sample.Split('\n').Where(l => !l.Contains("IOMMU group", StringComparison.Ordinal)));
        var a = LspciReader.Parse(Sample).Devices;
        var b = LspciReader.Parse(without).Devices;
        Assert.Equal(a.Select(d => d with { Source = null, Bars = [] }), b.Select(d => d with { Source = null, Bars = [] }));
        Assert.Equal(a.SelectMany(d => d.Bars), b.SelectMany(d => d.Bars));
    }

    [Theory]
    [InlineData("00:00.0 Host bridge: Intel Corporation Device\n", 1, 9, "-nn")]
    [InlineData("zz:00.0 Host bridge [0600]: Intel Corporation Device [8086:a708]\n", 1, 1, "device header")]
    [InlineData("\tCapabilities: [58] Express (v2) Root Port (Slot+), IntMsgNum 0\n", 1, 2, "before any device")]
    [InlineData("00:01.0 PCI bridge [0604]: X [8086:1234]\n\tBus: primary=00, secondary=zz, subordinate=01\n", 2, 2, "bus line")]
    [InlineData("00:01.0 PCI bridge [0604]: X [8086:1234]\n\tBus: primary=00, secondary=03, subordinate=02, sec-latency=0\n", 2, 45, "subordinate")]
    [InlineData("00:01.0 PCI bridge [0604]: X [8086:1234]\n\tCapabilities: [220 v1] Access Control Services\n\t\tACSCap:\tSrcValid+ Bogus+\n", 3, 21, "Bogus+")]
    [InlineData("00:01.0 PCI bridge [0604]: X [8086:1234]\n\tCapabilities: [40] Express (v2) Sideways Port, IntMsgNum 0\n", 2, 21, "port type")]
    [InlineData("00:01.0 Device [0000]: X [8086:1234]\n\n00:01.0 Device [0000]: X [8086:1234]\n", 3, 1, "twice")]
    [InlineData("00:02.0 Device [0000]: X [8086:1234]\n\tCapabilities: [b0] MSI-X: Enable+ Count=4 Masked-\n\t\tVector table: BAR=7 offset=00002000\n", 3, 21, "BAR index")]
    public void Malformed_input_names_the_file_line_and_column(string text, int line, int column, string about)
    {
        var ex = Assert.Throws<InputException>(() => LspciReader.Parse(text, "bad.txt"));
        Assert.Equal("bad.txt", ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.Contains(about, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith($"bad.txt:{line}:{column}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unconfigured_bridge_with_bus_numbers_00_has_no_bus_behind_it()
    {
        var t = LspciReader.Parse("00:1c.0 PCI bridge [0604]: X [8086:1234]\n\tBus: primary=00, secondary=00, subordinate=00, sec-latency=0\n" +
            "\tCapabilities: [40] Express (v2) Root Port (Slot+), IntMsgNum 0\n");
        var rp = Assert.Single(t.Devices);
        Assert.Equal(DeviceKind.RootPort, rp.Kind);
        Assert.Null(rp.Secondary);
        Assert.Single(Conformance.Reference.Groups.IsolationGroups.Compute(t).Groups);
    }

    [Fact]
    public void Every_shared_real_machine_listing_parses_with_each_function_once()
    {
        foreach (var f in Directory.GetFiles(TestPaths.SharedTopologies, "*.txt"))
        {
            var t = LspciReader.ReadFile(f);
            Assert.NotEmpty(t.Devices);
            Assert.Equal(t.Devices.Count, t.Devices.Select(d => d.Bdf).Distinct().Count());
            Assert.All(t.Devices.Where(d => d.Kind.IsBridge()), d => Assert.NotNull(d.Secondary));
            Assert.All(t.Devices, d => Assert.NotNull(d.Source));
        }
    }
}
