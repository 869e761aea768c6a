using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.PciTests;

/// <summary>Small builders for device specs used by the PCI tests.</summary>
internal static class TestSpecs
{
    public static DeviceSpec Endpoint(string bdf = "0000:01:00.0", params BarSpec[] bars) => new()
    {
        Bdf = Bdf.Parse(bdf),
        Kind = DeviceKind.Endpoint,
        Vendor = 0x1b36,
        DeviceId = 0x0005,
        ClassCode = 0xff0000,
        Revision = 0x02,
        Bars = bars,
    };

    public static DeviceSpec RootPort(string bdf, byte secondary, byte subordinate, AcsSpec? acs = null) => new()
    {
        Bdf = Bdf.Parse(bdf),
        Kind = DeviceKind.RootPort,
        Vendor = 0x8086,
        DeviceId = 0x7ab8,
        ClassCode = 0x060400,
        Secondary = secondary,
        Subordinate = subordinate,
        Acs = acs,
    };
}
