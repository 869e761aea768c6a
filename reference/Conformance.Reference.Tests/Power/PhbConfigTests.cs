using Conformance.Reference.Power;
using Conformance.Reference.Text;

namespace Conformance.Reference.Tests.Power;

public class PhbConfigTests
{
    private static PhbConfig Read(string json) => PhbConfig.Read(JsonValue.Parse(json, "unit.json"));

    [Fact]
    public void A_unit_reads_with_skiboot_defaults()
    {
        var c = Read("""{ "id": "phb0", "phb_id": 0, "m32": { "cpu_base": "0x600c3c0000000", "pci_base": "0x80000000", "size": "0x7fff0000" } }""");
        Assert.Equal(512, c.NumPe);
        Assert.Equal(511, c.ReservedPe);
        Assert.Equal(0, c.Segment);
        Assert.Equal(0x40_0000UL, c.M32SegmentSize); // (2 GiB - 64 KiB + 64 KiB) / 512, as Linux computes it
        Assert.Null(c.M64);
    }

    [Theory]
    [InlineData("""{ "phb_id": 0, "m32": { "cpu_base": 0, "pci_base": 0, "size": "2GiB" }, "num_pe": 300 }""", "unit.json:1:83", "power of two")]
    [InlineData("""{ "phb_id": 0, "m32": { "cpu_base": 0, "pci_base": 0, "size": "2GiB" }, "nmu_pe": 3 }""", "unit.json:1:73", "nmu_pe")]
    [InlineData("""{ "m32": { "cpu_base": 0, "pci_base": 0, "size": "2GiB" } }""", "unit.json:1:1", "phb_id")]
    [InlineData("""{ "phb_id": 0, "m32": { "cpu_base": 0, "pci_base": 0, "size": "0x3000" } }""", "unit.json:1:23", "segments")]
    [InlineData("""{ "phb_id": 0, "m32": { "cpu_base": 0, "pci_base": 0, "size": "2GiB" }, "m64": { "cpu_base": "0x100000000", "pci_base": "0x100000000", "size": "0x300000000" } }""", "unit.json:1:144", "power of two")]
    public void A_malformed_unit_is_rejected_with_its_position(string json, string position, string message)
    {
        var e = Assert.Throws<InputException>(() => Read(json));
        Assert.StartsWith(position, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
