using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK005: results, return codes, failed table writes and all-ones reads that are never looked at.</summary>
public sealed class IgnoredErrorStateTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Conformance.Adapters;
        using Conformance.Adapters.Platform;
        using Conformance.Reference.Pci;

        """;

    private static Task Check(string source) => Verify<IgnoredErrorStateAnalyzer>.Analyzer(Usings + source);

    // ---- positive -------------------------------------------------------------------------------

    [Fact]
    public Task Discarding_put_tce_results_while_filling_a_window_is_flagged() => Check("""
        namespace Conformance.Adapters.Power;
        public sealed class WindowFiller(IWindowedDma tce)
        {
            public void MapRange(ulong ioba, ulong gpa, int pages, int pageShift)
            {
                for (int i = 0; i < pages; i++)
                    {|DAK005:tce.PutTce(ioba + ((ulong)i << pageShift), (gpa + ((ulong)i << pageShift)) | 3);|}
            }
            public void Clear(ulong ioba, ulong count) { {|DAK005:_ = tce.StuffTce(ioba, 0, count)|}; }
        }
        """);

    [Fact]
    public Task An_awaited_attach_whose_result_is_dropped_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public sealed class Vmm(IGuest guest)
        {
            public async Task Start(IReadOnlyList<int> groups, CancellationToken ct)
            {
                foreach (var g in groups) {|DAK005:await guest.AttachGroupAsync(g, ct);|}
                {|DAK005:await guest.FullSpace!.MapAsync(0, 0, 1UL << 30, DmaAccess.ReadWrite, ct);|}
            }
        }
        """);

    [Fact]
    public Task A_table_write_that_may_not_have_happened_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class ContextWriter(IHostMemory memory)
        {
            public void Write(ulong entry, ulong lo, ulong hi)
            {
                {|DAK005:memory.TryWriteLe(entry + 8, 8, hi);|}
                {|DAK005:memory.TryWriteLe(entry, 8, lo);|}
            }
        }
        """);

    [Fact]
    public Task A_result_kept_in_a_local_and_never_checked_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public sealed class Recovery(IErrorRecovery eeh)
        {
            public void Recover(int pe)
            {
                var {|DAK005:unfreeze = eeh.Unfreeze(pe, dma: true)|};
                var {|DAK005:state = eeh.GetState(pe)|};
                Console.WriteLine(state.Value);
            }
        }
        """);

    [Fact]
    public Task Polling_a_status_bit_without_an_all_ones_check_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class GlobalCommand(IPlatformAccess platform, ulong unitBase)
        {
            private const ulong Gcmd = 0x18, Gsts = 0x1C;
            private const uint Te = 1u << 31;
            public bool EnableTranslation()
            {
                platform.Mmio.Write(unitBase + Gcmd, 4, Te);
                for (int i = 0; i < 1000; i++)
                {
                    if (({|DAK005:platform.Mmio.Read(unitBase + Gsts, 4)|} & Te) != 0) return true;
                    platform.Relax();
                }
                return false;
            }
            public bool HasFlr(Bdf dev, int pcieCap)
            {
                uint devCap = {|DAK005:platform.Config.Read(dev, pcieCap + 4, 4)|};
                return (devCap & (1u << 28)) != 0;
            }
        }
        """);

    [Fact]
    public Task Results_dropped_through_configure_await_as_task_or_get_result_are_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class TracingGuest(IGuest inner)
        {
            public ulong BytesMapped { get; private set; }
            public async ValueTask<Result> MapAsync(ulong iova, ulong gpa, ulong size, CancellationToken ct)
            {
                {|DAK005:await inner.FullSpace!.MapAsync(iova, gpa, size, DmaAccess.ReadWrite, ct).ConfigureAwait(false);|}
                {|DAK005:_ = await inner.FullSpace!.UnmapAsync(iova, size, ct).ConfigureAwait(true)|};
                {|DAK005:await inner.AttachGroupAsync(1, ct).AsTask().ConfigureAwait(false);|}
                {|DAK005:inner.DetachGroupAsync(1, ct).ConfigureAwait(false).GetAwaiter().GetResult();|}
                {|DAK005:_ = inner.FullSpace!.MapAsync(iova, gpa, size, DmaAccess.Read, ct).ConfigureAwait(false)|};
                var {|DAK005:r = await inner.AttachGroupAsync(2, ct).ConfigureAwait(false)|};
                BytesMapped += size;
                return Result.Ok;
            }
        }
        """);

    // ---- negative -------------------------------------------------------------------------------

    [Fact]
    public Task Checking_each_put_tce_and_passing_errors_up_is_clean() => Check("""
        namespace Conformance.Adapters.Power;
        public sealed class CheckedFiller(IWindowedDma tce)
        {
            public Result MapRange(ulong ioba, ulong gpa, int pages, int pageShift)
            {
                for (int i = 0; i < pages; i++)
                {
                    var r = tce.PutTce(ioba + ((ulong)i << pageShift), (gpa + ((ulong)i << pageShift)) | 3);
                    if (!r.IsOk) return r;
                }
                return Result.Ok;
            }
            public Result Clear(ulong ioba, ulong count) => tce.StuffTce(ioba, 0, count);
        }
        """);

    [Fact]
    public Task Awaited_results_that_are_inspected_are_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class CarefulVmm(IGuest guest)
        {
            public async Task<Result> Start(IReadOnlyList<int> groups, CancellationToken ct)
            {
                foreach (var g in groups)
                {
                    var r = await guest.AttachGroupAsync(g, ct);
                    if (r.ErrorKind is AdapterErrorKind.Busy or AdapterErrorKind.Permission) return r;
                }
                return await guest.FullSpace!.MapAsync(0, 0, 1UL << 30, DmaAccess.ReadWrite, ct);
            }
        }
        """);

    [Fact]
    public Task Table_writes_whose_failure_is_handled_are_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class CheckedContextWriter(IHostMemory memory)
        {
            public Result Write(ulong entry, ulong lo, ulong hi) =>
                memory.TryWriteLe(entry + 8, 8, hi) && memory.TryWriteLe(entry, 8, lo) ? Result.Ok : AdapterError.Invalid($"0x{entry:x} is not backed");
        }
        """);

    [Fact]
    public Task Polling_that_treats_all_ones_as_an_error_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class CheckedGlobalCommand(IPlatformAccess platform, ulong unitBase)
        {
            public Result WaitFor(uint bit)
            {
                for (int i = 0; i < 1000; i++)
                {
                    ulong sts = platform.Mmio.Read(unitBase + 0x1C, 4);
                    if (sts == 0xFFFF_FFFF) return AdapterError.Invalid("unit does not answer (all-ones)");
                    if ((sts & bit) != 0) return Result.Ok;
                    platform.Relax();
                }
                return AdapterError.Busy("timeout");
            }
        }
        """);

    [Fact]
    public Task Reads_passed_straight_through_to_the_guest_decide_nothing_and_are_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class MmioForwarder(IPlatformAccess platform)
        {
            public ulong ForwardRead(ulong hostPhysical, int width) => platform.Mmio.Read(hostPhysical, width);
            public void ForwardConfig(Bdf dev, int offset, ref ulong value) => value = platform.Config.Read(dev, offset, 4);
            public string Dump(ulong a) => $"0x{platform.Mmio.Read(a, 8):x16}";
        }
        """);

    [Fact]
    public Task Results_awaited_with_configure_await_and_checked_are_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class CheckedTracingGuest(IGuest inner)
        {
            public ulong BytesMapped { get; private set; }
            public async ValueTask<Result> MapAsync(ulong iova, ulong gpa, ulong size, CancellationToken ct)
            {
                var r = await inner.FullSpace!.MapAsync(iova, gpa, size, DmaAccess.ReadWrite, ct).ConfigureAwait(false);
                if (!r.IsOk) return r;
                BytesMapped += size;
                var attached = inner.AttachGroupAsync(1, ct).AsTask().ConfigureAwait(false).GetAwaiter().GetResult();
                if (!attached.IsOk) return attached;
                await Task.Delay(1, ct).ConfigureAwait(false);
                return await inner.DetachGroupAsync(1, ct).ConfigureAwait(false);
            }
        }
        """);
}
