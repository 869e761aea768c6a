using Conformance.Reference.Groups;
using Conformance.Reference.Pci;
using Conformance.Reference.Platform;
using Conformance.Reference.Text;
using Conformance.Reference.Topology;

namespace Conformance.Reference.Vectors;

/// <summary>
/// <c>conformance vectors run PATH...</c>: collects <c>*.vec.json</c> files, parses ALL of them first (a malformed file
/// stops everything with <c>file:line:column: message</c> and exit 2, before any vector runs), runs each on a fresh
/// machine, prints one line per failing step and a closing line "N passed, N failed" counting vector files.
/// </summary>
public static class VectorSuite
{
    public static IReadOnlyDictionary<string, IVectorPlatform> DefaultPlatforms { get; } =
        new IVectorPlatform[] { new NonePlatform(), new VtdVectorPlatform(), new AmdViVectorPlatform(), new PowerVectorPlatform() }.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>Builds the machine a vector runs on: its memory regions and its topology's functions.</summary>
    public static IVectorHardware BuildHardware(VectorFile vector) => BuildHardware(vector, DefaultPlatforms);

    /// <summary>
    /// Builds the machine a vector runs on: its memory regions and every function of its topology (endpoints become
    /// DMA test devices), with DMA aliasing as the topology dictates.
    /// </summary>
    public static IVectorHardware BuildHardware(VectorFile vector, IReadOnlyDictionary<string, IVectorPlatform> platforms)
    {
        var aliases = DmaAliases.For(PciTree.Build(vector.Topology));
        var platform = new PlatformBuilder(vector.Topology)
            .WithMemory(vector.Memory)
            .WithWireRequester(aliases.WireRequester)
            .WithIdentityHostWindows(platforms[vector.Platform].IdentityHostWindows)
            .Build();
        return new BuiltHardware(platform);
    }

    public static IReadOnlyList<string> CollectFiles(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                files.AddRange(Directory.EnumerateFiles(p, "*.vec.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(p)) files.Add(p);
            else throw new InputException(p, 1, 0, "no such file or folder");
        }
        return files;
    }

    public static IReadOnlyList<VectorFile> ReadAll(IEnumerable<string> files, IReadOnlyDictionary<string, IVectorPlatform>? platforms = null)
    {
        var reader = new VectorReader(platforms ?? DefaultPlatforms);
        return files.Select(reader.ReadFile).ToList();
    }

    public static IReadOnlyList<VectorResult> RunAll(IReadOnlyList<VectorFile> vectors, IReadOnlyDictionary<string, IVectorPlatform>? platforms = null)
    {
        var p = platforms ?? DefaultPlatforms;
        var runner = new VectorRunner(p, v => BuildHardware(v, p));
        return vectors.Select(runner.Run).ToList();
    }

    /// <summary>The whole command. Returns the exit code: 0 all pass, 1 a step failed, 2 bad input.</summary>
    public static int Run(IReadOnlyList<string> paths, TextWriter stdout, TextWriter stderr)
    {
        IReadOnlyList<VectorFile> vectors;
        try
        {
            if (paths.Count == 0)
            {
                stderr.WriteLine("conformance vectors run: give at least one file or folder");
                return 2;
            }
            var files = CollectFiles(paths);
            if (files.Count == 0)
            {
                stderr.WriteLine($"conformance vectors run: no *.vec.json files under {string.Join(", ", paths)}");
                return 2;
            }
            vectors = ReadAll(files);
        }
        catch (InputException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }

        int passed = 0, failed = 0;
        foreach (var result in RunAll(vectors))
        {
            if (result.Passed) passed++;
            else
            {
                failed++;
                foreach (var f in result.Failures) stdout.WriteLine(f);
            }
        }
        stdout.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private sealed class BuiltHardware(SimulatedPlatform platform) : IVectorHardware
    {
        public Machine Machine => platform.Machine;
        public SimulatedPlatform Platform => platform;
        public uint ConfigRead(Bdf bdf, int offset, int width) => platform.Machine.Pci.ConfigRead(bdf, offset, width);
        public void ConfigWrite(Bdf bdf, int offset, int width, uint value) => platform.Machine.Pci.ConfigWrite(bdf, offset, width, value);
    }
}
