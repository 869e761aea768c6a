using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Conformance.Analyzers.Tests.Infrastructure;

/// <summary>
/// What test sources compile against: the running .NET's own assemblies and the kit's model (and contract).
/// One static instance for every test (roslyn-sdk README, "Reuse ReferenceAssemblies between tests"); nothing is
/// downloaded at test time, so the tests don't depend on a package feed being reachable.
/// </summary>
internal static class TestReferences
{
    /// <summary>No reference package: the references below are the whole set.</summary>
    public static readonly ReferenceAssemblies Assemblies = new("net10.0");

    public static readonly ImmutableArray<MetadataReference> Metadata = Build();

    private static ImmutableArray<MetadataReference> Build()
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var files = Directory.GetFiles(runtimeDir, "*.dll")
            .Where(f => Path.GetFileName(f) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "netstandard.dll" or "mscorlib.dll" or "Microsoft.Win32.Primitives.dll"))
            .Where(f => !f.EndsWith(".Native.dll", StringComparison.Ordinal))
            .ToList();
        files.Add(typeof(Conformance.Reference.Pci.Bdf).Assembly.Location);
        files.Add(typeof(Conformance.Adapters.Result).Assembly.Location);
        var refs = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var f in files)
        {
            try { refs.Add(MetadataReference.CreateFromFile(f)); }
            catch (BadImageFormatException) { /* a native library next to the managed ones */ }
        }
        return refs.ToImmutable();
    }
}
