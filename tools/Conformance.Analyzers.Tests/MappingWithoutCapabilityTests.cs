using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK004: BAR pages mapped into a guest without asking the MSI-X / sub-page capabilities.</summary>
public sealed class MappingWithoutCapabilityTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Conformance.Adapters;
        using Conformance.Adapters.Common;
        using Conformance.Adapters.Platform;

        """;

    /// <summary>A guest of the kit's base class, as a platform adapter writes one.</summary>
    private const string GuestShell = """
            public override IGuestFace Face => throw new NotSupportedException();
            protected override ValueTask<Result> OnAttachAsync(IsolationGroup group, CancellationToken ct) => new(Result.Ok);
            protected override ValueTask<Result> OnDetachAsync(IsolationGroup group, CancellationToken ct) => new(Result.Ok);
        """;

    private static Task Check(string source) => Verify<MappingWithoutCapabilityAnalyzer>.Analyzer(Usings + source);

    // ---- positive -------------------------------------------------------------------------------

    [Fact]
    public Task Mapping_every_page_of_a_bar_blindly_is_flagged_for_both_capabilities() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class BarPassthrough(GuestCpuMap cpuMap)
        {
            public IReadOnlyList<MmioArea> Map(BarFacts bar, ulong guestPhysical)
            {
                var areas = new List<MmioArea>();
                ulong span = (bar.Size + GuestCpuMap.PageSize - 1) & ~(GuestCpuMap.PageSize - 1);
                for (ulong o = 0; o < span; o += GuestCpuMap.PageSize)
                {
                    {|DAK004:{|DAK004:cpuMap.Map(guestPhysical + o, bar.Base + o, GuestCpuMap.PageSize, CpuMapKind.Mmio)|}|};
                    areas.Add(new MmioArea(guestPhysical + o, bar.Base + o, GuestCpuMap.PageSize));
                }
                return areas;
            }
        }
        """);

    [Fact]
    public Task Refusing_sub_page_bars_but_mapping_the_msix_table_is_flagged() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class BarMapper(GuestCpuMap cpuMap, AdapterCapabilities caps)
        {
            public bool Map(DeviceFacts dev, BarFacts bar, ulong gpa)
            {
                if (bar.Size < GuestCpuMap.PageSize && !caps.SubPageBarMapping) return false;
                {|DAK004:cpuMap.Map(gpa, bar.Base, Math.Max(bar.Size, GuestCpuMap.PageSize), CpuMapKind.Mmio)|};
                return true;
            }
        }
        """);

    [Fact]
    public Task Carving_out_the_msix_table_but_rounding_a_small_bar_up_to_a_page_is_flagged() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public sealed class MsixAwareMapper(GuestCpuMap cpuMap, AdapterCapabilities caps)
        {
            public void Map(DeviceFacts dev, BarFacts bar, ulong gpa)
            {
                ulong span = (bar.Size + GuestCpuMap.PageSize - 1) & ~(GuestCpuMap.PageSize - 1);
                for (ulong o = 0; o < span; o += GuestCpuMap.PageSize)
                {
                    bool table = dev.Msix is { } m && m.TableBar == bar.Index && o == (m.TableOffset & ~(uint)(GuestCpuMap.PageSize - 1));
                    if (table && !caps.MsixTableMappable) continue;
                    {|DAK004:cpuMap.Map(gpa + o, bar.Base + o, GuestCpuMap.PageSize, CpuMapKind.Mmio)|};
                }
            }
        }
        """);

    [Fact]
    public Task A_mapping_hook_override_that_allows_everything_is_flagged() => Check("""
        namespace Conformance.Adapters.Broken;
        public sealed class PermissiveGuest(HostAdapterBase host, GuestConfig config) : GuestBase(host, config)
        {
        """ + GuestShell + """
            protected override bool {|DAK004:{|DAK004:MayMapPage|}|}(DeviceFacts device, BarFacts bar, ulong offset) => true;
        }
        """);

    [Fact]
    public Task A_helper_that_maps_whatever_kind_it_is_given_is_flagged() => Check("""
        namespace Conformance.Adapters.Power;
        public sealed class SegmentMapper(GuestCpuMap cpuMap)
        {
            public void MapSegment(ulong gpa, ulong hpa, ulong size, CpuMapKind kind)
            {
                for (ulong o = 0; o < size; o += GuestCpuMap.PageSize)
                    {|DAK004:{|DAK004:cpuMap.Map(gpa + o, hpa + o, GuestCpuMap.PageSize, kind)|}|};
            }
        }
        """);

    // ---- negative -------------------------------------------------------------------------------

    [Fact]
    public Task Backing_guest_ram_is_not_a_bar_mapping() => Check("""
        namespace Conformance.Adapters;
        public sealed class RamBacker(GuestCpuMap cpuMap, HostPageAllocator pages)
        {
            public bool Back(ulong gpa, string owner)
            {
                if (pages.Allocate(owner) is not { } frame) return false;
                cpuMap.Map(gpa, frame, GuestCpuMap.PageSize, CpuMapKind.Ram);
                return true;
            }
        }
        """);

    [Fact]
    public Task Mapping_guarded_by_both_capabilities_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class CarefulMapper(GuestCpuMap cpuMap, AdapterCapabilities caps)
        {
            public bool MapPage(DeviceFacts dev, BarFacts bar, ulong o, ulong gpa)
            {
                if (bar.Size < GuestCpuMap.PageSize && !caps.SubPageBarMapping) return false;
                if (dev.Msix is { } m && m.TableBar == bar.Index && !caps.MsixTableMappable && o <= m.TableOffset && m.TableOffset < o + GuestCpuMap.PageSize) return false;
                cpuMap.Map(gpa + o, bar.Base + o, GuestCpuMap.PageSize, CpuMapKind.Mmio);
                return true;
            }
        }
        """);

    [Fact]
    public Task Mapping_guarded_by_a_policy_helper_that_asks_both_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class PolicyMapper(GuestCpuMap cpuMap, AdapterCapabilities caps)
        {
            public void Map(DeviceFacts dev, BarFacts bar, ulong gpa)
            {
                for (ulong o = 0; o < bar.Size; o += GuestCpuMap.PageSize)
                    if (MayMap(dev, bar, o)) cpuMap.Map(gpa + o, bar.Base + o, GuestCpuMap.PageSize, CpuMapKind.Mmio);
            }

            private bool MayMap(DeviceFacts dev, BarFacts bar, ulong o) =>
                (bar.Size >= GuestCpuMap.PageSize || caps.SubPageBarMapping) &&
                (caps.MsixTableMappable || dev.Msix is not { } m || m.TableBar != bar.Index || m.TableOffset / GuestCpuMap.PageSize != o / GuestCpuMap.PageSize);
        }
        """);

    [Fact]
    public Task A_hook_override_that_defers_to_the_base_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class VtdGuest(HostAdapterBase host, GuestConfig config) : GuestBase(host, config)
        {
        """ + GuestShell + """
            protected override bool MayMapPage(DeviceFacts device, BarFacts bar, ulong offset) =>
                device.Kind != Conformance.Reference.Topology.DeviceKind.LegacyEndpoint && base.MayMapPage(device, bar, offset);
        }
        """);

    [Fact]
    public Task A_hook_override_that_asks_both_capabilities_is_clean() => Check("""
        namespace Conformance.Adapters.Power;
        public sealed class PhbGuest(HostAdapterBase host, GuestConfig config) : GuestBase(host, config)
        {
        """ + GuestShell + """
            protected override bool MayMapPage(DeviceFacts device, BarFacts bar, ulong offset) =>
                (bar.Size >= GuestCpuMap.PageSize || Host.Capabilities.SubPageBarMapping) &&
                (device.Msix is null || Host.Capabilities.MsixTableMappable || bar.Index != device.Msix.TableBar);
        }
        """);
}
