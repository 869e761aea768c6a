using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Conformance.Suite.Catalog;

namespace Conformance.Runner.Hosting;

/// <summary>
/// An implementer's adapter assembly run in a child process (the adapter host), seen as a catalog. A check that
/// throws comes back as an Error result; a host that dies (Environment.FailFast, stack overflow, exit) makes the
/// running check an Error; a check that does not answer in time is cancelled by killing the host. Either way the
/// next check starts a fresh host, so one bad test cannot take the run down.
/// </summary>
public sealed class ChildProcessCatalog : ISuiteCatalog, IPreparedCatalog, IDisposable
{
    private readonly ChildHostCommand _command;
    private readonly string _assembly;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<string> _stderrTail = new();
    private IReadOnlyDictionary<string, IReadOnlyList<string>> _checks = new Dictionary<string, IReadOnlyList<string>>();
    private Process? _process;
    private long _nextId;

    private ChildProcessCatalog(ChildHostCommand command, string assembly, TimeSpan startTimeout)
    {
        _command = command;
        _assembly = assembly;
        _startTimeout = startTimeout;
    }

    private readonly TimeSpan _startTimeout;

    public IReadOnlyList<RequirementInfo> Requirements { get; private set; } = [];

    public IReadOnlyList<AdapterInfo> Adapters { get; private set; } = [];

    /// <summary>How many adapter hosts have been started (the first, plus one per crash or time-out).</summary>
    public int HostsStarted { get; private set; }

    public IReadOnlyList<string> ChecksFor(string requirementId) => _checks.GetValueOrDefault(requirementId) ?? [];

    /// <summary>Starts the host and asks it for its catalog.</summary>
    /// <exception cref="UsageException">the host cannot serve the assembly (missing, not loadable, no adapter) or does not answer.</exception>
    public static async Task<ChildProcessCatalog> StartAsync(ChildHostCommand command, string adapterAssembly, TimeSpan timeout, CancellationToken ct = default)
    {
        if (!File.Exists(adapterAssembly)) throw new UsageException($"--adapter \"{adapterAssembly}\": no such file");
        var catalog = new ChildProcessCatalog(command, Path.GetFullPath(adapterAssembly), timeout);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            JsonObject reply = await catalog.ExchangeAsync(ChildProtocol.Describe(), limit.Token).ConfigureAwait(false);
            if (ChildProtocol.Op(reply) != "catalog") throw new UsageException($"--adapter \"{adapterAssembly}\": the adapter host answered {reply.ToJsonString()}");
            var (adapters, requirements, checks) = ChildProtocol.ReadCatalog(reply);
            catalog.Adapters = adapters;
            catalog.Requirements = requirements;
            catalog._checks = checks;
            return catalog;
        }
        catch (AdapterHostException e)
        {
            catalog.Dispose();
            throw new UsageException(e.Message.StartsWith("--adapter ", StringComparison.Ordinal) ? e.Message : $"--adapter \"{adapterAssembly}\": {e.Message}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            catalog.Dispose();
            throw new UsageException($"--adapter \"{adapterAssembly}\": the adapter host did not describe its catalog within {timeout.TotalSeconds:0.###} s");
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    /// <summary>Starts a host if none is running and waits until it answers, so the next check's time limit covers only the check.</summary>
    public async Task PrepareAsync(CancellationToken ct)
    {
        // Wait for a timed-out or crashed previous check to finish retiring its host before deciding.
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        bool running = _process is not null;
        _gate.Release();
        if (running) return;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(_startTimeout);
        JsonObject reply;
        try
        {
            reply = await ExchangeAsync(ChildProtocol.Ping(), limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new AdapterHostException($"the adapter host did not start within {_startTimeout.TotalSeconds:0.###} s");
        }
        if (ChildProtocol.Op(reply) != "pong") throw new AdapterHostException($"the adapter host answered {reply.ToJsonString()} to ping");
    }

    public async Task<CheckResult> RunAsync(string adapterName, string requirementId, string checkName, ulong seed, CancellationToken ct)
    {
        long id = Interlocked.Increment(ref _nextId);
        JsonObject reply = await ExchangeAsync(ChildProtocol.Run(id, adapterName, requirementId, checkName, seed), ct).ConfigureAwait(false);
        return ChildProtocol.Op(reply) == "result" && (long?)reply["id"] == id
            ? ChildProtocol.ReadResult(reply)
            : throw new AdapterHostException($"the adapter host answered out of turn: {reply.ToJsonString()}");
    }

    /// <summary>Sends one request and reads its answer; on cancellation or death of the host, the host is gone.</summary>
    private async Task<JsonObject> ExchangeAsync(string request, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Process process = _process ??= Start();
            lock (_stderrTail) _stderrTail.Clear(); // only this request's diagnostics explain its failure
            using (ct.Register(() => Kill(process)))
            {
                string? line;
                try
                {
                    await process.StandardInput.WriteLineAsync(request.AsMemory(), ct).ConfigureAwait(false);
                    await process.StandardInput.FlushAsync(ct).ConfigureAwait(false);
                    line = await process.StandardOutput.ReadLineAsync(ct).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    line = null; // the pipe broke: the host died
                }
                catch (OperationCanceledException)
                {
                    Retire(process);
                    throw;
                }
                ct.ThrowIfCancellationRequested();
                if (line is null)
                {
                    string why = Died(process);
                    Retire(process);
                    throw new AdapterHostException(why);
                }
                JsonObject reply;
                try
                {
                    reply = ChildProtocol.ParseLine(line);
                }
                catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
                {
                    Retire(process);
                    throw new AdapterHostException($"the adapter host wrote something that is not protocol: {Truncate(line)}");
                }
                if (ChildProtocol.Op(reply) == "fatal")
                {
                    Retire(process);
                    throw new AdapterHostException((string?)reply["message"] ?? "the adapter host gave up");
                }
                return reply;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private Process Start()
    {
        var info = new ProcessStartInfo(_command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (string a in _command.ArgumentsFor(_assembly)) info.ArgumentList.Add(a);
        // The host's own diagnostics (and whatever the adapter prints) go to its stderr; keep the tail for messages.
        info.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderrTail)
            {
                // The first lines a crash prints say why ("Process terminated. ...", "Stack overflow."); keep those.
                if (_stderrTail.Count < 8 && e.Data.Trim().Length > 0) _stderrTail.Enqueue(e.Data.Trim());
            }
        };
        lock (_stderrTail) _stderrTail.Clear();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new AdapterHostException($"cannot start the adapter host {_command.FileName}: {e.Message}");
        }
        process.StandardInput.NewLine = "\n";
        process.BeginErrorReadLine();
        HostsStarted++;
        return process;
    }

    private string Died(Process process)
    {
        if (!process.WaitForExit(5000)) Kill(process);
        process.WaitForExit(); // drains the stderr reader
        string code = !process.HasExited ? "no exit code"
            : process.ExitCode > 128 && !OperatingSystem.IsWindows() ? $"exit code {process.ExitCode}, signal {process.ExitCode - 128}"
            : $"exit code {process.ExitCode}";
        string tail;
        lock (_stderrTail) tail = string.Join(" | ", _stderrTail.Take(2));
        return $"the adapter host died ({code})" + (tail.Length > 0 ? $": {Truncate(tail)}" : "");
    }

    private void Retire(Process process)
    {
        Kill(process);
        process.WaitForExit(5000);
        process.Dispose();
        _process = null;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";

    public void Dispose()
    {
        if (_process is { } p)
        {
            try
            {
                p.StandardInput.Close(); // end of input: the host exits by itself
            }
            catch (IOException)
            {
                // the host is already gone
            }
            if (!p.WaitForExit(2000)) Kill(p);
            p.Dispose();
            _process = null;
        }
        _gate.Dispose();
    }
}

/// <summary>The adapter host died, broke the protocol, or could not start.</summary>
public sealed class AdapterHostException(string message) : Exception(message);
