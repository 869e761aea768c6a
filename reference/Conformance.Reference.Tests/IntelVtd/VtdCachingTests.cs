using Conformance.Reference.IntelVtd;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using static Conformance.Reference.IntelVtd.VtdRegisterOffsets;

namespace Conformance.Reference.Tests.IntelVtd;

/// <summary>VT-d spec §6.1/§6.5: cached entries stay until software invalidates them with a covering granularity.</summary>
public class VtdCachingTests
{
    private static readonly Bdf Dev = new(0, 0, 3, 0);
    private const ushort Did = 5;

    private static (VtdTables T, ulong Top) Remapped()
    {
        var (t, top) = VtdTables.WithDevice(Dev, Did);
        t.Map(top, 4, 0x7000, 0x11_1000);
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);     // warms context cache and IOTLB
        t.Map(top, 4, 0x7000, 0x22_2000);                                 // software changes the mapping ...
        return (t, top);
    }

    [Fact]
    public void A_remapped_page_keeps_translating_the_old_way_until_a_covering_IOTLB_invalidation_via_the_queue()
    {
        var (t, _) = Remapped();
        t.EnableQueue();
        t.Submit(Descriptors.IotlbDomain((ushort)(Did + 1)), Descriptors.IotlbPages(Did, 0x8000, 0), Descriptors.IotlbPages((ushort)(Did + 1), 0x7000, 0));
        Assert.Equal(3, t.Unit.Tick(10));
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);      // wrong DID, wrong page: still stale

        t.Submit(Descriptors.IotlbPages(Did, 0x4000, 2));                 // 0x4000..0x7fff: covers 0x7000
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);      // not yet ticked
        t.Machine.Tick(1);
        Assert.Equal(0x22_2000UL, t.Translate(Dev, 0x7000).Address);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(0, false)]
    public void Register_IOTLB_invalidation_performs_and_reports_its_granularity(int granularity, bool flushes)
    {
        var (t, _) = Remapped();
        int iro = t.Unit.ExtendedCapability.IotlbRegisterOffset;
        Assert.Equal(0xf0, iro);
        t.SetReg(iro + IotlbBlockInvalidateAddress, 0x7000, 8);
        t.SetReg(iro + IotlbBlockInvalidate, 1UL << 63 | (ulong)granularity << 60 | (ulong)Did << 32, 8);
        ulong reg = t.Reg(iro + IotlbBlockInvalidate, 8);
        Assert.Equal(0UL, reg >> 63);                                     // IVT cleared: done
        Assert.Equal((ulong)granularity, (reg >> 57) & 3);                // IAIG = what was done (0: invalid request)
        Assert.Equal(flushes ? 0x22_2000UL : 0x11_1000UL, t.Translate(Dev, 0x7000).Address);
    }

    [Fact]
    public void Page_selective_invalidation_with_an_address_mask_above_MAMV_is_refused()
    {
        var (t, _) = Remapped();
        int iro = t.Unit.ExtendedCapability.IotlbRegisterOffset;
        Assert.Equal(18, t.Unit.Capability.MaximumAddressMaskValue);
        t.SetReg(iro, 0 | 19, 8);
        t.SetReg(iro + 8, 1UL << 63 | 3UL << 60 | (ulong)Did << 32, 8);
        Assert.Equal(0UL, (t.Reg(iro + 8, 8) >> 57) & 3);
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);
        t.EnableQueue();
        t.Submit(Descriptors.IotlbPages(Did, 0, 19));
        t.Unit.Tick(1);
        Assert.True(t.Unit.FaultStatus.HasFlag(FaultStatusBits.InvalidationQueueError));
    }

    [Fact]
    public void Register_invalidation_is_ignored_while_queued_invalidation_is_enabled()
    {
        var (t, _) = Remapped();
        t.EnableQueue();
        t.SetReg(ContextCommand, 1UL << 63 | 1UL << 61, 8);
        t.SetReg(0xf8, 1UL << 63 | 1UL << 60, 8);
        Assert.Equal(1UL, t.Reg(ContextCommand, 8) >> 63);                // ICC stays set: never completes
        Assert.Equal(1UL, t.Reg(0xf8, 8) >> 63);
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);
    }

    [Fact]
    public void A_changed_context_entry_stays_cached_until_a_context_invalidation_that_covers_the_device()
    {
        var (t, top) = VtdTables.WithDevice(Dev, Did);
        t.Map(top, 4, 0x7000, 0x11_1000);
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);
        t.SetContext(Dev, 0, type: TranslationType.PassThrough, domainId: Did);

        // Device-selective for function 1 of the same slot, FM=0: does not cover function 0.
        t.SetReg(ContextCommand, 1UL << 63 | 3UL << 61 | (ulong)new Bdf(0, 0, 3, 1).RequesterId << 16 | Did, 8);
        Assert.Equal(3UL, (t.Reg(ContextCommand, 8) >> 59) & 3);
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);
        // Domain-selective for another domain: does not cover it either.
        t.SetReg(ContextCommand, 1UL << 63 | 2UL << 61 | (ulong)(Did + 1), 8);
        Assert.Equal(0x11_1000UL, t.Translate(Dev, 0x7000).Address);
        // Function 1 with FM=3 (function bits 2:0 ignored): covers the whole slot.
        t.SetReg(ContextCommand, 1UL << 63 | 3UL << 61 | 3UL << 32 | (ulong)new Bdf(0, 0, 3, 1).RequesterId << 16 | Did, 8);
        Assert.Equal(0x7000UL, t.Translate(Dev, 0x7000).Address);       // pass-through now
    }

    [Fact]
    public void Context_invalidation_through_the_queue_by_domain_flushes_only_that_domain()
    {
        var a = new Bdf(0, 0, 3, 0);
        var b = new Bdf(0, 0, 4, 0);
        var (t, top) = VtdTables.WithDevice(a, 1);
        t.SetContext(b, top, domainId: 2);
        t.Map(top, 4, 0x7000, 0x11_1000);
        t.Translate(a, 0x7000);
        t.Translate(b, 0x7000);
        Assert.Equal(2, t.Unit.ContextCache.Count);
        t.EnableQueue();
        t.Submit(Descriptors.ContextDomain(2), Descriptors.Wait(0x9000, 1));
        t.Unit.Tick(2);
        Assert.Equal(1, t.Unit.ContextCache.Count);
        Assert.True(t.Unit.ContextCache.TryGet(0, a.RequesterId, out _));
    }

    [Fact]
    public void A_cached_translation_that_denies_an_access_is_rewalked_so_an_upgrade_takes_effect()
    {
        var (t, top) = VtdTables.WithDevice(Dev, Did);
        t.Map(top, 4, 0x7000, 0x11_1000, write: false);
        Assert.Equal(DmaResultKind.Ok, t.Translate(Dev, 0x7000).Kind);
        Assert.Equal(5, t.Translate(Dev, 0x7000, write: true).Reason);
        t.Map(top, 4, 0x7000, 0x11_1000);
        Assert.Equal(DmaResultKind.Ok, t.Translate(Dev, 0x7000, write: true).Kind);
    }
}
