using Conformance.Reference.Topology;
using CsCheck;

namespace Conformance.Scenarios.Tests;

public class TopologyGeneratorTests
{
    /// <summary>Seed, size and feature toggles; CsCheck shrinks towards small seeds and small machines.</summary>
    internal static readonly Gen<TopologyOptions> Options =
        Gen.Select(Gen.Int[0, 1_000_000], Gen.Int[1, 300], Gen.Int[0, 63], Gen.Int[1, 4])
           .Select((seed, functions, toggles, rcs) => new TopologyOptions
           {
               Seed = seed,
               Functions = functions,
               Chipset = (toggles & 1) == 0 ? Chipset.Intel : Chipset.Amd,
               Switches = (toggles & 2) == 0,
               PciBridges = (toggles & 4) == 0,
               Quirks = (toggles & 8) == 0,
               MultifunctionEndpoints = (toggles & 16) == 0,
               AcsVariety = (toggles & 32) == 0,
               Vmd = (toggles & 3) == 0 ? true : null,
               RootComplexesPerSegment = rcs,
           });

    internal static string Describe(TopologyOptions o) =>
        $"{o}\n{TopologyJsonWriter.Write(TopologyGenerator.Generate(o), $"TopologyGenerator.Generate({o})")}";

    [Fact]
    public void Same_seed_and_options_give_the_identical_topology()
    {
        Options.Sample(o =>
        {
            string a = TopologyJsonWriter.Write(TopologyGenerator.Generate(o));
            string b = TopologyJsonWriter.Write(TopologyGenerator.Generate(o));
            Assert.Equal(a, b);
        }, iter: 60, print: Describe);
    }

    [Fact]
    public void Different_seeds_give_different_machines()
    {
        var distinct = Enumerable.Range(0, 20).Select(seed => TopologyJsonWriter.Write(TopologyGenerator.Generate(seed, 120))).Distinct().Count();
        Assert.True(distinct >= 19, $"only {distinct} distinct machines from 20 seeds");
    }

    [Fact]
    public void A_topology_has_exactly_the_requested_functions_with_firmware_bus_numbering()
    {
        Options.Sample(o =>
        {
            var t = TopologyGenerator.Generate(o);
            Assert.Equal(o.Functions, t.Devices.Count);
            var problems = TopologyChecks.Problems(t);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        }, iter: 150, print: Describe);
    }

    [Fact]
    public void Ten_thousand_functions_spread_over_several_segments_and_stay_consistent()
    {
        foreach (var chipset in new[] { Chipset.Intel, Chipset.Amd })
        {
            var t = TopologyGenerator.Generate(new TopologyOptions { Seed = 10_000, Functions = 10_000, Chipset = chipset, Vmd = true });
            Assert.Equal(10_000, t.Devices.Count);
            Assert.True(t.Devices.Select(d => d.Bdf.Segment).Distinct().Count() > 4, "10,000 functions cannot fit in a few segments");
            var problems = TopologyChecks.Problems(t);
            Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));
        }
    }

    [Fact]
    public void Writing_reading_and_writing_again_gives_the_same_file()
    {
        Options.Sample(o =>
        {
            string json = TopologyJsonWriter.Write(TopologyGenerator.Generate(o), "round trip");
            var read = TopologyJsonReader.Parse(json, "generated.topology.json");
            Assert.Equal(json, TopologyJsonWriter.Write(read, "round trip"));
            Assert.Equal(o.Functions, read.Devices.Count);
        }, iter: 60, print: Describe);
    }

    [Fact]
    public void A_saved_topology_file_reads_back_through_the_file_reader()
    {
        var t = TopologyGenerator.Generate(new TopologyOptions { Seed = 7, Functions = 200, Vmd = true, Chipset = Chipset.Intel });
        string path = Path.Combine(Path.GetTempPath(), $"topogen-{Environment.ProcessId}.topology.json");
        try
        {
            TopologyJsonWriter.WriteFile(t, path);
            var read = TopologyJsonReader.ReadFile(path);
            Assert.Equal(t.Devices.Select(d => (d.Bdf, d.Kind, d.Vendor, d.DeviceId, d.Secondary, d.Subordinate, d.Acs, d.Multifunction, d.Msix)),
                         read.Devices.Select(d => (d.Bdf, d.Kind, d.Vendor, d.DeviceId, d.Secondary, d.Subordinate, d.Acs, d.Multifunction, d.Msix)));
            Assert.Contains(read.Devices, d => d.Bdf.Segment == QuirkIds.FirstVmdDomain);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool Has(IEnumerable<DeviceSpec> devices, IEnumerable<(ushort, ushort)> ids) =>
        devices.Any(d => ids.Contains((d.Vendor, d.DeviceId)));

    [Fact]
    public void With_every_feature_on_thirty_seeds_produce_every_kind_of_part()
    {
        var all = Enumerable.Range(0, 30)
            .SelectMany(seed => TopologyGenerator.Generate(new TopologyOptions { Seed = seed, Functions = 300 }).Devices)
            .ToList();
        var missing = new List<string>();
        void Expect(string what, bool seen) { if (!seen) missing.Add(what); }
        foreach (DeviceKind kind in Enum.GetValues<DeviceKind>()) Expect(kind.ToName(), all.Any(d => d.Kind == kind));
        Expect("root port with full ACS enabled", all.Any(d => d.Kind == DeviceKind.RootPort && d.Acs is { Cap: 0x5f, Ctl: 0x1d }));
        Expect("root port lacking RR/CR/UF", all.Any(d => d.Kind == DeviceKind.RootPort && d.Acs is { } a && (a.Cap & 0x1c) == 0));
        Expect("root port without ACS", all.Any(d => d.Kind == DeviceKind.RootPort && d.Acs is null));
        Expect("port with ACS left disabled", all.Any(d => d.Kind is DeviceKind.RootPort or DeviceKind.DownstreamPort && d.Acs is { Cap: not 0, Ctl: 0 }));
        Expect("downstream port with ACS", all.Any(d => d.Kind == DeviceKind.DownstreamPort && d.Acs is not null));
        Expect("downstream port without ACS", all.Any(d => d.Kind == DeviceKind.DownstreamPort && d.Acs is null));
        Expect("multifunction endpoint without ACS", all.Any(d => d.Kind == DeviceKind.Endpoint && d.Multifunction == true && d.Acs is null));
        Expect("multifunction endpoint with all-zero ACS", all.Any(d => d.Kind == DeviceKind.Endpoint && d.Multifunction == true && d.Acs is { Cap: 0 }));
        Expect("multifunction endpoint with ACS", all.Any(d => d.Kind == DeviceKind.Endpoint && d.Multifunction == true && d.Acs is { Cap: not 0 }));
        Expect("multifunction RC device without PCIe", all.Any(d => d.Kind == DeviceKind.PciDevice && d.Bdf.Bus % 64 == 0 && d.Multifunction == true));
        Expect("PCI-X bridge", all.Any(d => d.Kind == DeviceKind.PcieToPciBridge && d.PciX));
        Expect("MSI-X endpoint", all.Any(d => d.Msix is not null));
        Expect("sub-page BAR", all.Any(d => d.Bars.Any(b => b.Kind != BarKind.Io && b.Size < 4096)));
        Expect("Intel PCH ACS quirk root port", Has(all.Where(d => d.Kind == DeviceKind.RootPort), QuirkIds.IntelPchRootPorts.Select(id => (QuirkIds.Intel, id))));
        Expect("Intel SPT root port", Has(all.Where(d => d.Kind == DeviceKind.RootPort), QuirkIds.IntelSptRootPorts.Select(id => (QuirkIds.Intel, id))));
        Expect("AMD southbridge", Has(all, QuirkIds.AmdSouthbridge));
        Expect("mf-endpoint ACS quirk", Has(all, QuirkIds.MfEndpointAcs));
        Expect("func0 DMA alias", Has(all, QuirkIds.DmaAliasFunc0));
        Expect("func1 DMA alias (Marvell 88SE9123)", Has(all, [(QuirkIds.MarvellExt, 0x9123)]));
        Expect("PCIe bridge alias quirk", Has(all, QuirkIds.PcieBridgeAlias));
        Expect("Intel VMD", Has(all, QuirkIds.IntelVmd.Select(id => (QuirkIds.Intel, id))));
        Expect("VMD domain", all.Any(d => d.Bdf.Segment >= QuirkIds.FirstVmdDomain));
        Expect("a second root complex", all.Any(d => d.Bdf.Bus == 0x40 && d.Kind == DeviceKind.HostBridge));
        Assert.True(missing.Count == 0, "never generated: " + string.Join(", ", missing));
    }

    [Fact]
    public void Switching_features_off_removes_them()
    {
        Gen.Int[0, 1_000_000].Sample(seed =>
        {
            var plain = TopologyGenerator.Generate(new TopologyOptions
            {
                Seed = seed, Functions = 250, Switches = false, PciBridges = false, Quirks = false, MultifunctionEndpoints = false,
                AcsVariety = false, Vmd = false,
            });
            Assert.DoesNotContain(plain.Devices, d => d.Kind is DeviceKind.UpstreamPort or DeviceKind.DownstreamPort or DeviceKind.PcieToPciBridge
                or DeviceKind.PciBridge or DeviceKind.PciToPcieBridge);
            Assert.DoesNotContain(plain.Devices, d => d.Kind is DeviceKind.RootPort && d.Acs != AcsBits.FullPort);
            Assert.DoesNotContain(plain.Devices, d => d.Kind is DeviceKind.Endpoint or DeviceKind.LegacyEndpoint && d.Multifunction == true);
            Assert.DoesNotContain(plain.Devices, d => d.Bdf.Segment >= QuirkIds.FirstVmdDomain);
            Assert.False(Has(plain.Devices, QuirkIds.AmdSouthbridge.Concat(QuirkIds.MfEndpointAcs).Concat(QuirkIds.DmaAliasFunc0)
                .Concat(QuirkIds.DmaAliasFunc1).Concat(QuirkIds.PcieBridgeAlias)
                .Concat(QuirkIds.IntelPchRootPorts.Concat(QuirkIds.IntelSptRootPorts).Select(id => (QuirkIds.Intel, id)))));
        }, iter: 30);
    }
}
