using System.Diagnostics;
using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Tests.Groups;

public sealed class LargeTopologyTests(ITestOutputHelper output)
{
    /// <summary>Nine segments, each with 30 ACS root ports; behind each a switch with four ACS downstream ports and an
    /// 8-function endpoint below each port (functions 0-3 without ACS, 4-7 with): 10,260 functions.</summary>
    internal static TopologySpec Build()
    {
        var acs = new AcsSpec(0x1f, 0x1d);
        var devices = new List<DeviceSpec>();
        for (int seg = 0; seg < 9; seg++)
        {
            for (int rp = 0; rp < 30; rp++)
            {
                byte b = (byte)(1 + rp * 6);
                devices.Add(new DeviceSpec { Bdf = new Bdf(seg, 0, (byte)(rp + 1), 0), Kind = DeviceKind.RootPort, Vendor = 0x1022, DeviceId = 0x1483,
                    Secondary = b, Subordinate = (byte)(b + 5), Acs = acs });
                devices.Add(new DeviceSpec { Bdf = new Bdf(seg, b, 0, 0), Kind = DeviceKind.UpstreamPort, Vendor = 0x10b5, DeviceId = 0x8724,
                    Secondary = (byte)(b + 1), Subordinate = (byte)(b + 5) });
                for (int p = 0; p < 4; p++)
                {
                    byte sec = (byte)(b + 2 + p);
                    devices.Add(new DeviceSpec { Bdf = new Bdf(seg, (byte)(b + 1), (byte)p, 0), Kind = DeviceKind.DownstreamPort, Vendor = 0x10b5,
                        DeviceId = 0x8724, Secondary = sec, Subordinate = sec, Acs = acs });
                    for (byte f = 0; f < 8; f++)
                        devices.Add(new DeviceSpec { Bdf = new Bdf(seg, sec, 0, f), Kind = DeviceKind.Endpoint, Vendor = 0x15b3, DeviceId = 0x1017,
                            Acs = f >= 4 ? acs : null });
                }
            }
        }
        return new TopologySpec(devices);
    }

    [Fact]
    public void Ten_thousand_functions_group_quickly_and_as_the_rules_say()
    {
        var topology = Build();
        Assert.True(topology.Devices.Count >= 10_000);
        IsolationGroups.Compute(topology); // warm up (JIT, quirk tables)

        var sw = Stopwatch.StartNew();
        var result = IsolationGroups.Compute(topology);
        sw.Stop();
        output.WriteLine($"{topology.Devices.Count} functions, {result.Groups.Count} groups in {sw.Elapsed.TotalMilliseconds:F1} ms");

        // Every port (root, up, down) alone; below each downstream port functions 0-3 share a group and 4-7 are alone.
        int perRootPort = 1 + 1 + 4 * (1 + 1 + 4);
        Assert.Equal(9 * 30 * perRootPort, result.Groups.Count);
        Assert.True(result.SameGroup(new Bdf(3, 3, 0, 0), new Bdf(3, 3, 0, 3)));
        Assert.False(result.SameGroup(new Bdf(3, 3, 0, 0), new Bdf(3, 3, 0, 4)));
        // Generous: the machine running the suite may be busy. Unloaded, a Release build takes about 15 ms of CPU (tree 6, groups 8).
        Assert.True(sw.ElapsedMilliseconds < 3000, $"took {sw.ElapsedMilliseconds} ms");
    }
}
