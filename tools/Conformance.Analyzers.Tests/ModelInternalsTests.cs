using Conformance.Analyzers.Rules;
using Conformance.Analyzers.Tests.Infrastructure;

namespace Conformance.Analyzers.Tests;

/// <summary>DAK006: adapters use only the model's architected interface (memory, MMIO, firmware calls, platform facts).</summary>
public sealed class ModelInternalsTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Reflection;
        using System.Runtime.CompilerServices;
        using Conformance.Reference.Bus;
        using Conformance.Reference.Memory;
        using Conformance.Reference.Pci;
        using Conformance.Reference.Platform;
        using Conformance.Reference.Topology;

        """;

    private static Task Check(string source) => Verify<ModelInternalsAnalyzer>.Analyzer(Usings + source);

    // ---- positive: each reaches past the architected interface ----------------------------------

    [Fact]
    public Task Asking_the_iommu_object_whether_a_mapping_is_live_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class VtdDomain(Machine machine)
        {
            public bool IsMapped(Bdf dev, ulong iova)
            {
                var t = {|DAK006:machine.Bridge|}.Translate({|DAK006:new DmaRequest(dev.Segment, dev.RequesterId, iova, 8, DmaDirection.Read)|});
                return t.Kind == DmaResultKind.Ok;
            }
        }
        """);

    [Fact]
    public Task Fetching_a_units_register_object_off_the_mmio_bus_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class DmarUnitProbe(Machine machine)
        {
            public IMmioRegion? Registers(ulong baseAddress) => {|DAK006:machine.Mmio|}.Find(baseAddress)?.Region;
            public IMmioRegion ByName(string id) => {|DAK006:machine.Units[id].Region|};
        }
        """);

    [Fact]
    public Task Reading_the_models_private_page_store_through_reflection_is_flagged() => Check("""
        namespace Conformance.Adapters.Power;
        public static class TceShadow
        {
            public static object? Pages(PhysicalMemory memory)
            {
                var field = {|DAK006:typeof(PhysicalMemory).GetField("_pages", BindingFlags.NonPublic | BindingFlags.Instance)|};
                return field?.GetValue(memory);
            }
            public static object? Regions(Machine m) =>
                {|DAK006:m.Memory.GetType().GetField("_regions", BindingFlags.NonPublic | BindingFlags.Instance)|}?.GetValue(m.Memory);
            public static Type? MachineType() => {|DAK006:Type.GetType("Conformance.Reference.Platform.Machine, Conformance.Reference")|};
        }
        """);

    [Fact]
    public Task An_UnsafeAccessor_into_the_machines_tick_list_is_flagged() => Check("""
        namespace Conformance.Adapters.AmdVi;
        public static class ClockHack
        {
            [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_tickables")]
            private static extern ref List<ITickable> {|DAK006:Tickables|}(Machine machine);

            public static void DrainAll(Machine machine)
            {
                foreach (var t in Tickables(machine)) {|DAK006:t.Tick(int.MaxValue)|};
            }
        }
        """);

    [Fact]
    public Task Interposing_on_the_io_bridge_seam_is_flagged() => Check("""
        namespace Conformance.Adapters.NoIommu;
        public sealed class {|DAK006:SnoopingBridge|}(IIoBridge inner) : IIoBridge
        {
            public int Requests { get; private set; }
            public string Platform => "none";
            public DmaTranslation Translate(in DmaRequest request) { Requests++; return {|DAK006:inner.Translate(request)|}; }
            public InterruptOutcome Remap(in MsiRequest request) => {|DAK006:inner.Remap(request)|};
        }
        """);

    [Fact]
    public Task Issuing_device_dma_or_watching_the_apic_from_the_adapter_is_flagged() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class SelfTest(Machine machine)
        {
            public bool ProbeMapping(Bdf dev, ulong iova)
            {
                var buf = new byte[8];
                return {|DAK006:machine.Dma(dev, iova, buf, DmaDirection.Read)|}.IsOk;
            }
            public int Delivered() => {|DAK006:machine.Interrupts|}.GetHashCode();
            public void Alias(Bdf dev) => {|DAK006:machine.WireRequester|} = _ => dev;
        }
        """);

    // ---- negative: the architected interface ----------------------------------------------------

    [Fact]
    public Task Programming_a_root_table_through_memory_and_registers_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class RootTableWriter(Machine machine, ulong unitBase, ulong rootTable)
        {
            private const int RtaddrReg = 0x20, GcmdReg = 0x18, GstsReg = 0x1C;
            private const uint Srtp = 1u << 30;

            public bool SetRootTable()
            {
                if (!machine.CpuWrite(unitBase + RtaddrReg, 8, rootTable)) return false;
                machine.CpuWrite(unitBase + GcmdReg, 4, Srtp);
                for (int spin = 0; spin < 1000; spin++)
                {
                    ulong sts = machine.CpuRead(unitBase + GstsReg, 4);
                    if (sts == MmioBus.AllOnes(4)) return false;
                    if ((sts & Srtp) != 0) return true;
                    machine.Tick();
                }
                return false;
            }

            public bool WriteContextPointer(Bdf dev, ulong contextTable) =>
                machine.Memory.TryWriteLe(rootTable + (ulong)dev.Bus * 16, 8, contextTable | 1);
        }
        """);

    [Fact]
    public Task Reading_topology_facts_and_bdfs_is_clean() => Check("""
        namespace Conformance.Adapters;
        public static class MsixInventory
        {
            public static IReadOnlyList<(Bdf Dev, int Vectors)> Vectors(TopologySpec topology) =>
                topology.Devices.Where(d => d.Msix is not null).Select(d => (d.Bdf, d.Msix!.Vectors)).ToList();

            public static Bdf Lookup(string text) => Bdf.TryParse(text, out var b) ? b : Bdf.Parse("0000:00:00.0");
        }
        """);

    [Fact]
    public Task Locating_a_units_registers_from_the_platform_map_is_clean() => Check("""
        namespace Conformance.Adapters.IntelVtd;
        public sealed class DmarUnits(Machine machine)
        {
            public IEnumerable<(string Id, ulong Base)> All() => machine.Units.Values.Select(u => (u.Id, u.Base));
            public ulong Base(string id) => machine.Units.TryGetValue(id, out var u) && u.Size >= 0x1000 ? u.Base : 0;
        }
        """);

    [Fact]
    public Task Naming_model_types_in_logs_and_reflecting_on_the_adapters_own_types_is_clean() => Check("""
        namespace Conformance.Adapters;
        public sealed class Diagnostics
        {
            public string Describe(Bdf b) => $"{nameof(Machine)} {typeof(Bdf).Name} {b}";
            public int OwnMethods() => typeof(Diagnostics).GetMethods(BindingFlags.NonPublic | BindingFlags.Instance).Length;
            public bool IsBdf(object o) => typeof(Bdf).IsInstanceOfType(o);
        }
        """);

    [Fact]
    public Task Handling_values_the_adapter_holds_is_clean() => Check("""
        namespace Conformance.Adapters;
        public static class Outcomes
        {
            public static string Explain(DmaOutcome o) => o.Kind switch
            {
                DmaResultKind.Ok => $"ok at 0x{o.Address:x}",
                DmaResultKind.Fault => $"fault {o.Reason} at 0x{o.FaultAddress:x}",
                _ => o.Why ?? o.Kind.ToString(),
            };
            public static bool Covers(MemoryRegion r, ulong a) => r.Contains(a, 8) && a < r.End;
        }
        """);

    [Fact]
    public Task An_extra_surface_entry_in_editorconfig_allows_that_member() => Verify<ModelInternalsAnalyzer>.Analyzer(Usings + """
        namespace Conformance.Adapters;
        public sealed class Mux(Machine machine)
        {
            public string Platform => machine.Bridge.Platform;
        }
        """, globalconfig: "conformance_model_surface = M:Conformance.Reference.Platform.Machine.Bridge, M:Conformance.Reference.Platform.IIoBridge.Platform\n");
}
