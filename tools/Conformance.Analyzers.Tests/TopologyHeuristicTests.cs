using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK001: isolation decided from bus numbers, slots, bridges or ACS bits instead of the platform's groups.</summary>
public sealed class TopologyHeuristicTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using Conformance.Reference.Pci;
        using Conformance.Reference.Topology;

        """;

    /// <summary>What the platform answers (the real contract's group facts stand behind an interface like this).</summary>
    private const string Groups = """

        public interface IPlatformGroups
        {
            IReadOnlyList<Bdf>? GroupOf(Bdf device);
            bool SameGroup(Bdf a, Bdf b);
        }
        """;

    private static Task Check(string source) => Verify<TopologyHeuristicAnalyzer>.Analyzer(Usings + source);

    // ---- positive -------------------------------------------------------------------------------

    [Fact]
    public Task Devices_on_the_same_bus_and_slot_treated_as_one_domain_are_flagged() => Check("""
        namespace Conformance.Adapters;
        public static class DomainPlanner
        {
            public static bool CanShareDomain(DeviceSpec a, DeviceSpec b) =>
                {|DAK001:a.Bdf.Bus == b.Bdf.Bus|} && {|DAK001:a.Bdf.Device == b.Bdf.Device|};

            public static Dictionary<byte, List<DeviceSpec>> DomainsPerBus(TopologySpec t) =>
                t.Devices.GroupBy({|DAK001:d => d.Bdf.Bus|}).ToDictionary(g => g.Key, g => g.ToList());

            public static IEnumerable<DeviceSpec> OnePerSlot(TopologySpec t) => t.Devices.DistinctBy({|DAK001:d => (d.Bdf.Bus, d.Bdf.Device)|});
        }
        """);

    [Fact]
    public Task Grouping_everything_behind_a_bridge_by_its_bus_window_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public static class BridgeGrouping
        {
            public static IEnumerable<DeviceSpec> Below(TopologySpec t, DeviceSpec bridge) =>
                t.Devices.Where(d => {|DAK001:d.Bdf.Bus >= bridge.Secondary|} && {|DAK001:d.Bdf.Bus <= bridge.Subordinate|});
        }
        """);

    [Fact]
    public Task Deciding_isolation_from_acs_control_bits_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public static class AcsPolicy
        {
            private const ushort SourceValidation = 0x01, RequestRedirect = 0x04, CompletionRedirect = 0x08, UpstreamForwarding = 0x10;
            public static bool IsolatesDownstream(DeviceSpec port)
            {
                if ({|DAK001:port.Acs is null|}) return false;
                const ushort needed = SourceValidation | RequestRedirect | CompletionRedirect | UpstreamForwarding;
                return {|DAK001:(port.Acs.Ctl & needed) == needed|};
            }
        }
        """);

    [Fact]
    public Task Treating_functions_behind_a_pcie_to_pci_bridge_as_one_unit_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public static class LegacyBridgeRule
        {
            public static bool MustGoTogether(DeviceSpec parent, DeviceSpec child)
            {
                if ({|DAK001:parent.Kind == DeviceKind.PcieToPciBridge|}) return true;
                if ({|DAK001:parent.Kind.IsBridge()|} && {|DAK001:child.Multifunction == true|}) return true;
                return {|DAK001:child.Kind is DeviceKind.PciBridge or DeviceKind.PciDevice|};
            }
        }
        """);

    [Fact]
    public Task Switching_on_the_upstream_port_kind_to_pick_a_grouping_is_flagged() => Check("""
        namespace Conformance.Adapters;
        public enum Granularity { Device, Slot, Bus }
        public static class GranularityGuess
        {
            public static Granularity For(DeviceSpec upstream) => {|DAK001:upstream.Kind|} switch
            {
                DeviceKind.PcieToPciBridge or DeviceKind.PciBridge => Granularity.Bus,
                DeviceKind.RootPort => Granularity.Slot,
                _ => Granularity.Device,
            };
            public static Granularity ForFunction(Bdf f)
            {
                switch ({|DAK001:f.Function|})
                {
                    case 0: return Granularity.Slot;
                    default: return Granularity.Device;
                }
            }
        }
        """);

    // ---- negative -------------------------------------------------------------------------------

    [Fact]
    public Task Indexing_root_and_context_tables_by_bus_and_devfn_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public static class ContextTables
        {
            public static ulong RootEntryAddress(ulong rootTable, Bdf dev) => rootTable + (ulong)dev.Bus * 16;
            public static ulong ContextEntryAddress(ulong contextTable, Bdf dev) => contextTable + (ulong)dev.DevFn * 16;
            public static ushort SourceId(Bdf dev) => (ushort)((dev.Bus << 8) | dev.DevFn);
        }
        """);

    [Fact]
    public Task Asking_the_platforms_groups_is_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class Assigner(IPlatformGroups groups)
        {
            public bool CanGiveToDifferentGuests(Bdf a, Bdf b) => !groups.SameGroup(a, b);
            public IReadOnlyList<Bdf> WholeGroup(Bdf dev) => groups.GroupOf(dev) ?? throw new ArgumentException($"{dev} has no group");
        }
        """ + Groups);

    [Fact]
    public Task Printing_bus_device_function_is_clean() => Check("""
        namespace Conformance.Adapters;
        public static class Names
        {
            public static string Short(Bdf b) => $"{b.Bus:x2}:{b.Device:x2}.{b.Function}";
            public static string Sysfs(DeviceSpec d) => "/sys/bus/pci/devices/" + d.Bdf + (d.Secondary is byte s ? $" (secondary {s:x2})" : "");
        }
        """);

    [Fact]
    public Task Comparing_and_ordering_whole_bdfs_is_clean() => Check("""
        namespace Conformance.Adapters;
        public static class Inventory
        {
            public static bool IsSame(DeviceSpec a, DeviceSpec b) => a.Bdf == b.Bdf;
            public static IEnumerable<DeviceSpec> Sorted(TopologySpec t) => t.Devices.OrderBy(d => d.Bdf);
            public static ILookup<Bdf, DeviceSpec> ById(TopologySpec t) => t.Devices.ToLookup(d => d.Bdf);
        }
        """);

    [Fact]
    public Task Handing_a_pe_bus_range_to_firmware_is_clean() => Check("""
        namespace Conformance.Adapters.Power;
        public interface IOpal { long PciSetPe(ulong phb, ulong pe, ulong bdfn, byte busCompare, byte devCompare, byte funCompare, byte action); }
        public sealed class PeSetup(IOpal opal, ulong phb)
        {
            public long Assign(ulong pe, Bdf first, byte busCompare) =>
                opal.PciSetPe(phb, pe, first.RequesterId, busCompare, 0, 0, 1);
        }
        """);

    [Fact]
    public Task Selecting_endpoints_with_msix_for_a_listing_is_clean() => Check("""
        namespace Conformance.Adapters;
        public static class Listing
        {
            public static IEnumerable<DeviceSpec> Assignable(TopologySpec t) =>
                t.Devices.Where(d => d.Kind == DeviceKind.Endpoint && d.Msix is not null && d.Driver != "pcieport");
        }
        """);
}
