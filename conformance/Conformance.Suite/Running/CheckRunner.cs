using Conformance.Adapters;
using Conformance.Suite.Catalog;
using Conformance.Suite.Machine;

namespace Conformance.Suite.Running;

/// <summary>
/// Runs one check against one adapter and classifies what happened: Pass, Fail (the model showed the requirement
/// broken), NotSupported (a capability or platform the requirement needs is absent, or the adapter answered
/// NotSupported), Error (the adapter or harness threw, or the check hung past its timeout).
/// </summary>
public static class CheckRunner
{
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(60);

    public static RequirementInfo? Requirement(string id) => GeneratedSpec.Requirements.FirstOrDefault(r => r.Id == id);

    public static CheckEntry? Check(string requirementId, string checkName) =>
        GeneratedSpec.Checks.FirstOrDefault(c => c.RequirementId == requirementId && c.Name == checkName);

    /// <summary>The default seed of a check: a stable hash of its requirement and name (FNV-1a 64).</summary>
    public static ulong DefaultSeed(string requirementId, string checkName)
    {
        ulong h = 0xcbf29ce484222325;
        foreach (char c in requirementId + "/" + checkName) { h ^= c; h *= 0x100000001b3; }
        return h & 0x7fff_ffff;
    }

    public static async Task<CheckResult> RunAsync(IAdapterFactory factory, string requirementId, string checkName, ulong seed, CancellationToken ct, TimeSpan? timeout = null)
    {
        var requirement = Requirement(requirementId) ?? throw new ArgumentException($"unknown requirement {requirementId}", nameof(requirementId));
        var check = Check(requirementId, checkName) ?? throw new ArgumentException($"requirement {requirementId} has no check {checkName}", nameof(checkName));
        string head = $"{requirement.Id} {requirement.Title}";

        if (requirement.Platforms.Count > 0 && !requirement.Platforms.Contains(factory.Platform))
            return new CheckResult(RawOutcome.NotSupported, $"{head}: applies to platform(s) {string.Join(", ", requirement.Platforms)}, not {factory.Platform}", seed, null);
        var missing = requirement.Capabilities.Where(c => !factory.Capabilities.Has(c)).ToList();
        if (missing.Count > 0)
            return new CheckResult(RawOutcome.NotSupported, $"{head}: needs capability {string.Join(", ", missing)}, which adapter '{factory.Name}' does not declare", seed, null);
        if (PlatformModels.For(factory) is not { } model)
            return new CheckResult(RawOutcome.Error, $"{head}: the kit has no model of platform '{factory.Platform}'", seed, null);

        var context = new CheckContext(factory, model, requirementId, checkName, seed, ct);
        string Repro() => $"seed: {seed}\nsteps:\n{context.Steps}" + (context.Reproduction is { } r ? $"{r}\n" : "");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var run = Task.Run(() => check.Run(context), cts.Token);
            var finished = await Task.WhenAny(run, Task.Delay(timeout ?? DefaultTimeout, cts.Token)).ConfigureAwait(false);
            if (finished != run)
            {
                ct.ThrowIfCancellationRequested();
                return new CheckResult(RawOutcome.Error, $"{head}: the check did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s (adapter hung?)", seed, Repro());
            }
            await run.ConfigureAwait(false);
            return new CheckResult(RawOutcome.Pass, null, seed, null);
        }
        catch (CheckFailedException e)
        {
            return new CheckResult(RawOutcome.Fail, $"{head}: {e.Message}", seed, Repro());
        }
        catch (CheckNotSupportedException e) when (e.AnsweredByAdapter && requirement.Capabilities.Count == 0)
        {
            // A requirement that needs no capability binds every adapter (architecture.md: isolation requirements are
            // never gated by a capability): answering NotSupported is not a way out of it.
            return new CheckResult(RawOutcome.Fail,
                $"{head}: the adapter answered NotSupported ({e.Message}), but this requirement needs no capability, so no adapter may opt out of it",
                seed, Repro());
        }
        catch (CheckNotSupportedException e)
        {
            return new CheckResult(RawOutcome.NotSupported, $"{head}: {e.Message}", seed, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return new CheckResult(RawOutcome.Error, $"{head}: {e.GetType().Name}: {e.Message}", seed, Repro() + e.StackTrace);
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
    }
}
