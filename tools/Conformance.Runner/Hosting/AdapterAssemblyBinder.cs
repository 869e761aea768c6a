using System.Reflection;
using System.Runtime.Loader;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Hosting;

/// <summary>Loads an implementer's adapter assembly (inside the adapter host) and makes a catalog of it.</summary>
public static class AdapterAssemblyBinder
{
    /// <summary>
    /// An assembly that ships its own catalog (a public <see cref="ISuiteCatalog"/> with a parameterless constructor)
    /// is used as it is; otherwise the suite binds the adapters the assembly declares.
    /// </summary>
    /// <exception cref="UsageException">the file is missing, does not load, or declares no adapter.</exception>
    public static ISuiteCatalog Bind(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new UsageException($"--adapter \"{path}\": no such file");
        Assembly assembly;
        try
        {
            assembly = Load(full);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            throw new UsageException($"--adapter \"{path}\": cannot load it as a .NET assembly ({e.Message})");
        }

        Type[] catalogs;
        try
        {
            catalogs = [.. assembly.GetExportedTypes().Where(t =>
                t is { IsAbstract: false, IsGenericTypeDefinition: false } && typeof(ISuiteCatalog).IsAssignableFrom(t)
                && t.GetConstructor(Type.EmptyTypes) is not null)];
        }
        catch (ReflectionTypeLoadException e)
        {
            throw new UsageException($"--adapter \"{path}\": its types do not load ({e.LoaderExceptions.FirstOrDefault()?.Message})");
        }
        if (catalogs.Length > 1)
            throw new UsageException($"--adapter \"{path}\": declares several catalogs ({string.Join(", ", catalogs.Select(t => t.FullName))})");
        if (catalogs.Length == 1) return (ISuiteCatalog)Activator.CreateInstance(catalogs[0])!;

        try
        {
            return SuiteCatalog.Bind(assembly);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--adapter \"{path}\": declares no adapter ({e.Message})");
        }
    }

    private static Assembly Load(string full)
    {
        AssemblyName name = AssemblyName.GetAssemblyName(full);
        // Already loaded (e.g. the assembly is the host itself): use that copy, so its types stay the same types.
        Assembly? loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a =>
            AssemblyName.ReferenceMatchesDefinition(a.GetName(), name) && a.GetName().Name == name.Name);
        if (loaded is not null) return loaded;

        string dir = Path.GetDirectoryName(full)!;
        AssemblyLoadContext.Default.Resolving += (context, dependency) =>
        {
            string candidate = Path.Combine(dir, dependency.Name + ".dll");
            return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        };
        return AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
    }
}
