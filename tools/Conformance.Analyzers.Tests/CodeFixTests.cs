using Conformance.Analyzers.CodeFixes;
using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>The mechanical repairs: before (with the diagnostic) becomes after (with nothing left to fix).</summary>
public sealed class CodeFixTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Conformance.Adapters;

        """;

    [Fact]
    public Task A_dropped_put_tce_result_is_checked_and_its_error_returned() => VerifyFix<IgnoredErrorStateAnalyzer, CheckResultCodeFix>.CodeFix(Usings + """
        namespace Conformance.Adapters.Power;
        public sealed class Filler(IWindowedDma tce)
        {
            public Result MapRange(ulong ioba, ulong gpa, int pages)
            {
                for (int i = 0; i < pages; i++)
                {
                    {|DAK005:tce.PutTce(ioba + (ulong)i * 4096, gpa + (ulong)i * 4096 | 3);|}
                }
                return Result.Ok;
            }
        }
        """, Usings + """
        namespace Conformance.Adapters.Power;
        public sealed class Filler(IWindowedDma tce)
        {
            public Result MapRange(ulong ioba, ulong gpa, int pages)
            {
                for (int i = 0; i < pages; i++)
                {
                    var result = tce.PutTce(ioba + (ulong)i * 4096, gpa + (ulong)i * 4096 | 3);
                    if (!result.IsOk) return result.Error;
                }
                return Result.Ok;
            }
        }
        """);

    [Fact]
    public Task A_dropped_awaited_attach_in_an_embedded_statement_gets_a_block() => VerifyFix<IgnoredErrorStateAnalyzer, CheckResultCodeFix>.CodeFix(Usings + """
        namespace Conformance.Adapters;
        public sealed class Vmm(IGuest guest)
        {
            public async ValueTask<Result<int>> Start(IReadOnlyList<int> groups, CancellationToken ct)
            {
                foreach (var g in groups)
                    {|DAK005:await guest.AttachGroupAsync(g, ct);|}
                return groups.Count;
            }
        }
        """, Usings + """
        namespace Conformance.Adapters;
        public sealed class Vmm(IGuest guest)
        {
            public async ValueTask<Result<int>> Start(IReadOnlyList<int> groups, CancellationToken ct)
            {
                foreach (var g in groups)
                {
                    var result = await guest.AttachGroupAsync(g, ct);
                    if (!result.IsOk) return result.Error;
                }
                return groups.Count;
            }
        }
        """);

    [Fact]
    public Task A_4K_page_and_mask_become_the_windows_page_size() => VerifyFix<PlatformConstantAnalyzer, IoPageSizeCodeFix>.CodeFix(Usings + """
        namespace Conformance.Adapters.GuestDma;
        public static class TcePages
        {
            public static ulong Count(DmaWindow window, ulong ioba, ulong length)
            {
                ulong pageSize = {|DAK003:4096|};
                ulong first = ioba & {|DAK003:~0xFFFUL|};
                return (ioba + length - first + pageSize - 1) >> {|DAK003:12|};
            }
        }
        """, Usings + """
        namespace Conformance.Adapters.GuestDma;
        public static class TcePages
        {
            public static ulong Count(DmaWindow window, ulong ioba, ulong length)
            {
                ulong pageSize = (1UL << window.PageShift);
                ulong first = ioba & ~((1UL << window.PageShift) - 1);
                return (ioba + length - first + pageSize - 1) >> window.PageShift;
            }
        }
        """);

    [Fact]
    public Task A_4K_alignment_check_becomes_the_domains_smallest_page_size() => VerifyFix<PlatformConstantAnalyzer, IoPageSizeCodeFix>.CodeFix(Usings + """
        namespace Conformance.Adapters;
        public sealed class MapChecks(IFullSpaceDma dma)
        {
            public bool Aligned(ulong iova, ulong size) => ((iova | size) & {|DAK003:0xFFF|}) == 0 && size >= {|DAK003:4096|};
        }
        """, Usings + """
        namespace Conformance.Adapters;
        public sealed class MapChecks(IFullSpaceDma dma)
        {
            public bool Aligned(ulong iova, ulong size) => ((iova | size) & (dma.PageSizes[0] - 1)) == 0 && size >= dma.PageSizes[0];
        }
        """);

    [Fact]
    public Task An_assumed_64_bit_iova_end_becomes_the_windows_end() => VerifyFix<PlatformConstantAnalyzer, IoPageSizeCodeFix>.CodeFix(Usings + """
        namespace Conformance.Adapters;
        public static class Windows
        {
            public static bool Fits(DmaWindow window, ulong ioba, ulong size)
            {
                ulong iovaEnd = {|DAK003:ulong.MaxValue|};
                return ioba >= window.Start && ioba + (size - 1) <= iovaEnd;
            }
        }
        """, Usings + """
        namespace Conformance.Adapters;
        public static class Windows
        {
            public static bool Fits(DmaWindow window, ulong ioba, ulong size)
            {
                ulong iovaEnd = (window.Start + window.Size - 1);
                return ioba >= window.Start && ioba + (size - 1) <= iovaEnd;
            }
        }
        """);
}
