using Conformance.Reference.Memory;

namespace Conformance.Reference.Tests;

public class MemoryTests
{
    [Fact]
    public void Untouched_pages_read_as_zero_and_cost_nothing()
    {
        var mem = new PhysicalMemory([new MemoryRegion(0, 1UL << 40)]);
        Assert.True(mem.TryReadLe(0x12_3456_7000, 8, out ulong v));
        Assert.Equal(0UL, v);
        Assert.Equal(0, mem.TouchedPages);
    }

    [Fact]
    public void Little_and_big_endian_accessors_see_the_same_bytes_in_opposite_order()
    {
        var mem = new PhysicalMemory([new MemoryRegion(0x1000, 0x2000)]);
        Assert.True(mem.TryWriteBe(0x1ffc, 8, 0x0102030405060708)); // straddles a page boundary
        Assert.True(mem.TryReadLe(0x1ffc, 8, out ulong le));
        Assert.Equal(0x0807060504030201UL, le);
        Assert.True(mem.TryReadBe(0x1ffc, 4, out ulong be4));
        Assert.Equal(0x01020304UL, be4);
    }

    [Theory]
    [InlineData(0x0UL, 8)]      // below the region
    [InlineData(0x2ffcUL, 8)]   // runs past the end
    [InlineData(0x3000UL, 1)]   // just past the end
    public void Accesses_outside_declared_regions_fail_without_throwing(ulong address, int width)
    {
        var mem = new PhysicalMemory([new MemoryRegion(0x1000, 0x2000)]);
        Assert.False(mem.TryReadLe(address, width, out _));
        Assert.False(mem.TryWriteLe(address, width, 0xff));
        Assert.Equal(0, mem.TouchedPages);
    }
}
