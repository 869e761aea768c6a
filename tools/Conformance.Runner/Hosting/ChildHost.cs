using System.Text;
using System.Text.Json.Nodes;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Hosting;

/// <summary>
/// The adapter host: the child side of <see cref="ChildProcessCatalog"/>. Started as <c>conformance run
/// --adapter-host PATH.dll</c>; reads requests from standard input and answers one JSON line each until input ends.
/// </summary>
public static class ChildHost
{
    /// <summary>Serves until <paramref name="input"/> ends. Returns the process exit code.</summary>
    public static int Serve(string adapterAssembly, Stream input, Stream output)
    {
        var writer = new StreamWriter(output, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        ISuiteCatalog catalog;
        try
        {
            catalog = AdapterAssemblyBinder.Bind(adapterAssembly);
        }
        catch (Exception e)
        {
            writer.WriteLine(ChildProtocol.Fatal(e is UsageException ? e.Message : $"--adapter \"{adapterAssembly}\": {e.GetType().Name}: {e.Message}"));
            return 2;
        }
        return Serve(catalog, input, writer);
    }

    /// <summary>Serves <paramref name="catalog"/> (the loop, apart from loading, for tests).</summary>
    public static int Serve(ISuiteCatalog catalog, Stream input, TextWriter writer)
    {
        using var reader = new StreamReader(input, new UTF8Encoding(false));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            JsonObject request;
            try
            {
                request = ChildProtocol.ParseLine(line);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
            {
                writer.WriteLine(ChildProtocol.Fatal($"malformed request: {e.Message}"));
                return 2;
            }
            switch ((string?)request["op"])
            {
                case "describe":
                    try
                    {
                        writer.WriteLine(ChildProtocol.Catalog(catalog));
                    }
                    catch (Exception e)
                    {
                        writer.WriteLine(ChildProtocol.Fatal($"the adapter's catalog failed: {e.GetType().Name}: {e.Message}"));
                        return 2;
                    }
                    break;
                case "ping":
                    writer.WriteLine(ChildProtocol.Pong());
                    break;
                case "run":
                    long id = (long)request["id"]!;
                    writer.WriteLine(ChildProtocol.Result(id, Run(catalog, request)));
                    break;
                default:
                    writer.WriteLine(ChildProtocol.Fatal($"unknown op \"{(string?)request["op"]}\""));
                    return 2;
            }
        }
        return 0;
    }

    private static CheckResult Run(ISuiteCatalog catalog, JsonObject request)
    {
        ulong seed = ChildProtocol.ReadSeed(request["seed"]);
        try
        {
            return catalog.RunAsync((string)request["adapter"]!, (string)request["requirement"]!, (string)request["check"]!, seed, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            // An adapter that throws is an Error for this test; the host stays up for the next one.
            return new CheckResult(RawOutcome.Error, $"{e.GetType().Name}: {e.Message}", seed, null);
        }
    }
}
