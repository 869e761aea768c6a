using System.Text.Json;
using System.Text.RegularExpressions;

namespace Conformance.Cli.Tests;

public partial class GroupsCommandTests
{
    [GeneratedRegex(@"^(?:(?<dom>[0-9a-f]{4,5}):)?(?<bdf>[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ", RegexOptions.IgnoreCase)]
    private static partial Regex Header();

    [GeneratedRegex(@"^\s+IOMMU group: (\d+)")]
    private static partial Regex GroupLine();

    /// <summary>The fixture's own answer: functions by the IOMMU group number Linux printed.</summary>
    private static (List<List<string>> Groups, List<string> Untranslated) ExpectedFrom(string lspciText)
    {
        var byGroup = new SortedDictionary<int, List<string>>();
        var untranslated = new List<string>();
        string? current = null;
        bool grouped = false;
        void Close()
        {
            if (current is not null && !grouped) untranslated.Add(current);
        }
        foreach (var line in lspciText.Split('\n'))
        {
            var h = Header().Match(line);
            if (h.Success)
            {
                Close();
                current = (h.Groups["dom"].Success ? h.Groups["dom"].Value : "0000") + ":" + h.Groups["bdf"].Value;
                current = current.ToLowerInvariant();
                grouped = false;
                continue;
            }
            var g = GroupLine().Match(line);
            if (g.Success && current is not null)
            {
                int n = int.Parse(g.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (!byGroup.TryGetValue(n, out var list)) byGroup[n] = list = [];
                list.Add(current);
                grouped = true;
            }
        }
        Close();
        var groups = byGroup.Values.Select(l => l.Order(StringComparer.Ordinal).ToList()).OrderBy(l => l[0], StringComparer.Ordinal).ToList();
        return (groups, untranslated.Order(StringComparer.Ordinal).ToList());
    }

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(CliHarness.Shared, "fixtures", "topologies"), "*.txt").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Groups_json_for_a_real_machine_is_exactly_what_Linux_gave_it(string fixture)
    {
        string text = File.ReadAllText(Path.Combine(CliHarness.Shared, "fixtures", "topologies", fixture));
        var (expectedGroups, expectedUntranslated) = ExpectedFrom(text);
        // The answer is stripped from the question.
        using var input = CliHarness.Temp(fixture, string.Join('\n', text.Split('\n').Where(l => !GroupLine().IsMatch(l))));

        var r = CliHarness.Run("groups", "--lspci", input.Path, "--json");
        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray()
            .Select(g => g.EnumerateArray().Select(e => e.GetString()!).ToList()).ToList();
        var untranslated = doc.RootElement.TryGetProperty("untranslated", out var u)
            ? u.EnumerateArray().Select(e => e.GetString()!).ToList() : [];
        Assert.Equal(expectedGroups.Select(g => string.Join(' ', g)), groups.Select(g => string.Join(' ', g)));
        Assert.Equal(expectedUntranslated, untranslated);
    }

    [Fact]
    public void Json_output_has_exactly_the_documented_shape()
    {
        using var topo = CliHarness.Temp("t.topology.json", """
            { "devices": [
              { "bdf": "0000:00:00.0", "kind": "host-bridge" },
              { "bdf": "0000:00:01.0", "kind": "root-port", "secondary": 1, "subordinate": 1 },
              { "bdf": "0000:01:00.1", "kind": "endpoint" },
              { "bdf": "0000:01:00.0", "kind": "endpoint" }
            ] }
            """);
        var r = CliHarness.Run("groups", "--topology", topo.Path, "--json");
        Assert.Equal(0, r.Exit);
        // A root port without ACS does not isolate: it groups with everything below it (Linux pci_device_group).
        Assert.Equal("""{ "groups": [ ["0000:00:00.0"], ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"] ] }""", r.Out.TrimEnd());
        var text = CliHarness.Run("groups", "--topology", topo.Path);
        Assert.Equal("group 0: 0000:00:00.0\ngroup 1: 0000:00:01.0 0000:01:00.0 0000:01:00.1\n", text.Out);
    }

    [Theory]
    [InlineData("{ \"devices\": [ { \"bdf\": \"0000:00:1f.9\", \"kind\": \"endpoint\" } ] }", "1:25", "not a PCI address")]
    [InlineData("{ \"devices\": [\n  { \"bdf\": \"0000:00:01.0\", \"kind\": \"root-port\" } ] }", "2:3", "needs \"secondary\"")]
    [InlineData("{ \"devices\": [\n  { \"bdf\": \"0000:00:01.0\", \"kind\": \"gpu\" } ] }", "2:36", "unknown kind \"gpu\"")]
    [InlineData("{ \"devices\": [ { \"bdf\": \"0000:00:01.0\", \"kind\": \"endpoint\" },\n { \"bdf\": \"0000:00:01.0\", \"kind\": \"endpoint\" } ] }", "2:2", "duplicate function 0000:00:01.0")]
    public void A_malformed_topology_gets_file_line_column_and_exit_2(string json, string position, string message)
    {
        using var topo = CliHarness.Temp("bad.topology.json", json);
        var r = CliHarness.Run("groups", "--topology", topo.Path);
        Assert.Equal(2, r.Exit);
        Assert.Equal("", r.Out);
        Assert.StartsWith($"{topo.Path}:{position}: ", r.Err, StringComparison.Ordinal);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_usage_errors_exit_2()
    {
        Assert.Equal(2, CliHarness.Run("groups").Exit);
        Assert.Equal(2, CliHarness.Run("groups", "--lspci").Exit);
        Assert.Equal(2, CliHarness.Run("groups", "--lspci", "a", "--topology", "b").Exit);
        Assert.Equal(2, CliHarness.Run("groups", "--lspci", "/nonexistent/file.txt").Exit);
    }
}

public class PowerGroupsCommandTests
{
    [Fact]
    public void On_POWER_the_groups_are_the_PEs_the_platform_assigned()
    {
        // A root port with a switch below it: on x86 without ACS everything below the root port is one group; on
        // POWER each bus below a bridge becomes a bus PE and the platform isolates by PE, not by ACS.
        using var topo = CliHarness.Temp("p.topology.json", """
            { "devices": [
              { "bdf": "0000:00:00.0", "kind": "root-port", "secondary": 1, "subordinate": 4 },
              { "bdf": "0000:01:00.0", "kind": "upstream-port", "secondary": 2, "subordinate": 4 },
              { "bdf": "0000:02:01.0", "kind": "downstream-port", "secondary": 3, "subordinate": 3 },
              { "bdf": "0000:02:02.0", "kind": "downstream-port", "secondary": 4, "subordinate": 4 },
              { "bdf": "0000:03:00.0", "kind": "endpoint" },
              { "bdf": "0000:04:00.0", "kind": "endpoint" },
              { "bdf": "0000:04:00.1", "kind": "endpoint" }
            ] }
            """);
        var x86 = CliHarness.Run("groups", "--topology", topo.Path, "--json");
        var power = CliHarness.Run("groups", "--topology", topo.Path, "--json", "--platform", "power-phb");
        Assert.Equal(0, x86.Exit);
        Assert.Equal(0, power.Exit);
        Assert.Contains("[\"0000:03:00.0\"]", power.Out, StringComparison.Ordinal);
        Assert.Contains("[\"0000:04:00.0\", \"0000:04:00.1\"]", power.Out, StringComparison.Ordinal);
        Assert.NotEqual(x86.Out, power.Out);
        Assert.Equal(2, CliHarness.Run("groups", "--topology", topo.Path, "--platform", "sparc").Exit);
    }
}
