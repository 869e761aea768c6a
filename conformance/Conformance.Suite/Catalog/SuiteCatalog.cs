using System.Reflection;
using Conformance.Adapters;
using Conformance.Adapters.IntelVtd;
using Conformance.Adapters.NoIommu;
using Conformance.Suite.Running;

namespace Conformance.Suite.Catalog;

/// <summary>
/// The generated catalog bound to adapters. <see cref="Default"/> holds the kit's reference adapters;
/// <see cref="Bind(Assembly, string)"/> binds every <see cref="IAdapterFactory"/> in an implementer's assembly.
/// </summary>
public sealed class SuiteCatalog : ISuiteCatalog
{
    private readonly Dictionary<string, (IAdapterFactory Factory, AdapterInfo Info)> _adapters;

    public SuiteCatalog(IEnumerable<IAdapterFactory> factories, string profile = "default")
    {
        _adapters = new(StringComparer.Ordinal);
        foreach (var f in factories)
        {
            if (!_adapters.TryAdd(f.Name, (f, new AdapterInfo(f.Name, f.Platform, profile))))
                throw new ArgumentException($"two adapters are named '{f.Name}'", nameof(factories));
        }
    }

    /// <summary>The kit's reference adapters — the NOIOMMU negative control, the Intel VT-d adapter, the AMD-Vi adapter and the sPAPR
    /// paravirt TCE adapter on POWER — profile <c>default</c>.</summary>
    public static SuiteCatalog Default => new([new NoIommuAdapterFactory(), new VtdAdapterFactory(), new Adapters.AmdVi.AmdViAdapterFactory(), new Adapters.Power.SpaprAdapterFactory()]);

    /// <summary>Binds every public, concrete <see cref="IAdapterFactory"/> with a parameterless constructor in
    /// <paramref name="assembly"/>. Throws <see cref="ArgumentException"/> when there is none.</summary>
    public static SuiteCatalog Bind(Assembly assembly, string profile = "default")
    {
        var factories = assembly.GetExportedTypes()
            .Where(t => typeof(IAdapterFactory).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IAdapterFactory)Activator.CreateInstance(t)!)
            .ToList();
        if (factories.Count == 0) throw new ArgumentException($"{assembly.GetName().Name} has no public IAdapterFactory with a parameterless constructor");
        return new SuiteCatalog(factories, profile);
    }

    /// <summary>Loads an adapter assembly from a path and binds it.</summary>
    public static SuiteCatalog Bind(string assemblyPath, string profile = "default") =>
        Bind(Assembly.LoadFrom(Path.GetFullPath(assemblyPath)), profile);

    public IReadOnlyList<RequirementInfo> Requirements => GeneratedSpec.Requirements;

    public IReadOnlyList<AdapterInfo> Adapters => _adapters.Values.Select(a => a.Info).ToList();

    public IReadOnlyList<string> ChecksFor(string requirementId) =>
        GeneratedSpec.Checks.Where(c => c.RequirementId == requirementId).Select(c => c.Name).ToList();

    /// <summary>The requirement's prose (RFC 2119 text), or null.</summary>
    public static string? TextOf(string requirementId) => GeneratedSpec.Texts.TryGetValue(requirementId, out var t) ? t : null;

    /// <summary>The shipped baseline for a kit adapter and profile, or null (formats.md §5 shape).</summary>
    public static Baseline? ShippedBaseline(string adapter, string profile) => Baseline.Shipped(adapter, profile);

    public IAdapterFactory Factory(string adapterName) =>
        _adapters.TryGetValue(adapterName, out var a) ? a.Factory : throw new ArgumentException($"unknown adapter '{adapterName}'", nameof(adapterName));

    public Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct) =>
        CheckRunner.RunAsync(Factory(adapterName), requirementId, checkName, seed, ct);
}
