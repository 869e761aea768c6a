using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK003: x86/VT-d constants in platform-neutral adapter code.</summary>
public sealed class PlatformConstantTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using Conformance.Reference.Platform;
        using Conformance.Reference.Pci;

        """;

    /// <summary>A stand-in for what the platform reports, for sources that do it right.</summary>
    private const string Caps = """

        public sealed record IoCaps(IReadOnlyList<ulong> IoPageSizes, ulong IovaStart, ulong IovaEnd, ulong MsiWindowBase, ulong MsiWindowSize);
        """;

    private static Task Check(string source, string? editorconfig = null) => Verify<PlatformConstantAnalyzer>.Analyzer(Usings + source, editorconfig);

    // ---- positive -------------------------------------------------------------------------------

    [Fact]
    public Task A_guest_dma_mapper_with_a_4K_page_constant_and_mask_is_flagged() => Check("""
        namespace Conformance.Adapters.GuestDma;
        public sealed class GuestDmaMapper
        {
            private const ulong IoPageSize = {|DAK003:4096|};
            private readonly Dictionary<ulong, ulong> _map = new();

            public bool Map(ulong iova, ulong gpa, ulong length)
            {
                if ((iova & {|DAK003:0xFFF|}) != 0 || length % IoPageSize != 0) return false;
                for (ulong off = 0; off < length; off += IoPageSize) _map[iova + off] = gpa + off;
                return true;
            }
        }
        """);

    [Fact]
    public Task Page_counts_from_a_12_bit_shift_are_flagged() => Check("""
        namespace Conformance.Adapters.GuestDma;
        public static class Pages
        {
            public static int PageCount(ulong iova, ulong length) => (int)(((iova & {|DAK003:0xFFF|}) + length + {|DAK003:0xFFF|}) >> {|DAK003:12|});
            public static ulong AlignDown(ulong iova) => iova & {|DAK003:~0xFFFUL|};
            public static ulong PageSize => {|DAK003:1UL << 12|};
        }
        """);

    [Fact]
    public Task Recognising_msi_writes_by_the_x86_window_is_flagged() => Check("""
        namespace Conformance.Adapters.Interrupts;
        public static class MsiFilter
        {
            public static bool IsInterruptWrite(ulong address) => address >= {|DAK003:0xFEE00000|} && address <= {|DAK003:0xFEEFFFFFUL|};
            public static bool IsInterruptWriteToo(ulong address) => (address >> 20) == {|DAK003:0xFEE|};
        }
        """);

    [Fact]
    public Task Assuming_a_full_64_bit_iova_space_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public sealed class IovaAllocator
        {
            private ulong _next = 0x1000_0000;
            public ulong IovaEnd { get; } = {|DAK003:ulong.MaxValue|};
            public int AddressWidth { get; } = {|DAK003:64|};

            public ulong? Allocate(ulong length)
            {
                ulong aperture = {|DAK003:0xFFFF_FFFF_FFFF_FFFFUL|};
                if (aperture - _next < length) return null;
                var iova = _next; _next += length; return iova;
            }
        }
        """);

    [Fact]
    public Task Writing_vtd_command_registers_from_neutral_code_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public sealed class GenericIommuDriver(Machine machine, ulong unitBase)
        {
            public void EnableTranslation()
            {
                uint status = (uint)machine.CpuRead(unitBase + {|DAK003:0x1C|}, 4);
                machine.CpuWrite(unitBase + {|DAK003:0x18|}, 4, status | (1u << 31));
            }
            public ulong Capabilities() => machine.CpuRead(unitBase + {|DAK003:0x08|}, 8);
        }
        """);

    // ---- negative -------------------------------------------------------------------------------

    [Fact]
    public Task The_same_constants_in_the_intel_vtd_namespace_are_the_hardwares_and_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class VtdRegisters(Machine machine, ulong unitBase)
        {
            private const ulong VtdPage = 4096;
            public void EnableTranslation() => machine.CpuWrite(unitBase + 0x18, 4, 1u << 31);
            public static bool IsInterruptWrite(ulong address) => address >= 0xFEE00000 && address <= 0xFEEFFFFF;
            public static ulong PageFrame(ulong iova) => iova >> 12;
            public static ulong SlptePage(ulong pte) => pte & ~0xFFFUL;
        }
        """);

    [Fact]
    public Task A_type_marked_platform_specific_is_clean() => Check("""
        namespace Conformance.Adapters.Shared
        {
            [AttributeUsage(AttributeTargets.Class | AttributeTargets.Assembly)]
            public sealed class PlatformSpecificAttribute(string platform) : Attribute { public string Platform { get; } = platform; }

            [PlatformSpecific("power-phb")]
            public sealed class TceTableWriter
            {
                public const int TcePageShift = 12;
                public static ulong TceIndex(ulong iova, ulong windowBase) => (iova - windowBase) >> 12;
                public static ulong TceAddress(ulong page) => page & ~0xFFFUL;
            }
        }
        """);

    [Fact]
    public Task A_folder_declared_platform_specific_in_editorconfig_is_clean() => Check("""
        namespace Conformance.Adapters.Backends;
        public static class AmdPageWalk
        {
            public static ulong PteIndex(ulong iova, int level) => (iova >> (12 + 9 * level)) & 0x1FF;
            public static ulong Aligned(ulong iova) => iova & ~0xFFFUL;
            public static ulong PageSize => 4096;
        }
        """, "conformance_platform_specific = true\n");

    [Fact]
    public Task Config_space_sizes_and_scratch_buffers_of_4096_bytes_are_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class ConfigSpaceShadow
        {
            public const int ExtendedConfigSpaceSize = 4096;
            private readonly byte[] _config = new byte[ExtendedConfigSpaceSize];
            private readonly byte[] _buffer = new byte[4096];
            public byte Read(int offset) => offset < 4096 ? _config[offset] : (byte)0xFF;
            public int Scratch => _buffer.Length;
        }
        """);

    [Fact]
    public Task All_ones_error_checks_are_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class RegisterReader(Machine machine)
        {
            public ulong? Read64(ulong address)
            {
                ulong value = machine.CpuRead(address, 8);
                return value == ulong.MaxValue ? null : value;
            }
            public bool Frozen(ulong address) => machine.CpuRead(address, 4) == 0xFFFFFFFF;
        }
        """);

    [Fact]
    public Task Code_that_asks_the_capability_is_clean() => Check("""
        namespace Conformance.Adapters.GuestDma;
        public sealed class PortableMapper(IoCaps caps)
        {
            public bool Map(ulong iova, ulong length)
            {
                ulong page = caps.IoPageSizes[0];
                if ((iova & (page - 1)) != 0 || length % page != 0) return false;
                return iova >= caps.IovaStart && iova - caps.IovaStart <= caps.IovaEnd - caps.IovaStart - (length - 1);
            }
            public bool IsInterruptWrite(ulong address) => address - caps.MsiWindowBase < caps.MsiWindowSize;
            public byte HeaderType(byte[] header) => header[0x18 - 0x0A];
        }
        """ + Caps);
}
