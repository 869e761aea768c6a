namespace Conformance.Cli.Tests;

public class VectorsCommandTests
{
    [Fact]
    public void The_kits_own_vectors_all_pass()
    {
        var r = CliHarness.Run("vectors", "run", Path.Combine(CliHarness.RepoRoot, "reference", "vectors"));
        Assert.True(r.Exit == 0, r.Out + r.Err);
        var last = r.Out.TrimEnd().Split('\n')[^1];
        Assert.Matches(@"^\d+ passed, 0 failed$", last);
        int files = Directory.EnumerateFiles(Path.Combine(CliHarness.RepoRoot, "reference", "vectors"), "*.vec.json", SearchOption.AllDirectories).Count();
        Assert.Equal($"{files} passed, 0 failed", last);
    }

    [Fact]
    public void A_step_whose_expectation_does_not_hold_is_reported_with_vector_step_and_both_outcomes()
    {
        using var f = CliHarness.Temp("wrong.vec.json", """
            {
              "name": "deliberately-wrong",
              "platform": "none",
              "memory": [ { "base": "0x0", "size": "4KiB" } ],
              "steps": [
                { "op": "mem.write", "addr": "0x10", "width": 4, "value": "0x1234" },
                { "op": "mem.read", "addr": "0x10", "width": 4, "expect": "0x1234" },
                { "op": "mem.read", "addr": "0x10", "width": 4, "expect": "0x4321" }
              ]
            }
            """);
        var r = CliHarness.Run("vectors", "run", f.Path);
        Assert.Equal(1, r.Exit);
        Assert.Contains("deliberately-wrong: step 2 (mem.read, line 8): expected 0x4321, got 0x1234", r.Out, StringComparison.Ordinal);
        Assert.EndsWith("0 passed, 1 failed", r.Out.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "name": "x", "platform": "none", "steps": [ { "op": "mem.poke" } ] }""", 1, 55, "unknown op \"mem.poke\"")]
    [InlineData("""{ "name": "x", "platform": "risc-v", "steps": [] }""", 1, 28, "unknown platform \"risc-v\"")]
    [InlineData("{ \"name\": \"x\",\n  \"platform\": \"none\",\n  \"steps\": [ { \"op\": \"dma\", \"rid\": \"0000:00:09.0\", \"addr\": 0, \"width\": 4, \"dir\": \"read\" } ] }", 3, 36, "function 0000:00:09.0 is not in the vector's topology")]
    [InlineData("{ \"name\": \"x\", \"platform\": \"none\",\n \"memory\": [ { \"base\": 0, \"size\": \"4KiB\" } ],\n \"steps\": [ { \"op\": \"mem.write\", \"addr\": \"0x2000\", \"width\": 4, \"value\": 1 } ] }", 3, 42, "outside the declared \"memory\" regions")]
    [InlineData("{ \"name\": \"x\", \"platform\": \"none\", \"steps\": [ { \"op\": \"mem.read\", \"addr\": 0, \"width\": 3 } ] }", 1, 87, "width must be 1, 2, 4 or 8")]
    [InlineData("{ \"name\": \"x\", \"platform\": \"none\", \"steps\": [ ", 1, 47, "unexpected end of file")]
    [InlineData("{ \"name\": \"x\", \"platform\": \"none\", \"stpes\": [] }", 1, 36, "unknown field \"stpes\"")]
    public void A_malformed_vector_gets_file_line_column_and_exit_2_and_nothing_runs(string json, int line, int column, string message)
    {
        using var good = CliHarness.Temp("a-good.vec.json", """{ "name": "fine", "platform": "none", "steps": [] }""");
        File.WriteAllText(Path.Combine(good.Dir, "b-bad.vec.json"), json);
        var r = CliHarness.Run("vectors", "run", good.Dir);
        Assert.Equal(2, r.Exit);
        Assert.Equal("", r.Out); // nothing ran, not even the good vector
        string expectedPrefix = $"{Path.Combine(good.Dir, "b-bad.vec.json")}:{line}:{column}: ";
        Assert.StartsWith(expectedPrefix, r.Err, StringComparison.Ordinal);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, CliHarness.Run().Exit);
        Assert.Equal(2, CliHarness.Run("vectors").Exit);
        Assert.Equal(2, CliHarness.Run("vectors", "run").Exit);
        Assert.Equal(2, CliHarness.Run("frobnicate").Exit);
        Assert.Equal(2, CliHarness.Run("vectors", "run", "/nonexistent/path").Exit);
    }
}
