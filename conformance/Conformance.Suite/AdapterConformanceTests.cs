using Conformance.Adapters;
using Conformance.Suite.Catalog;
using Conformance.Suite.Running;
using Xunit;

namespace Conformance.Suite;

/// <summary>
/// The conformance suite as xunit.v3 tests. Derive one class per adapter and return its factory; every requirement
/// of spec/*.md arrives as inherited [Fact]s named <c>ID__Check</c> with traits Requirement, Level, Capability,
/// Platform and Check. Outcomes (formats.md §5): NotSupported and ExpectedFail are skips whose reason starts with
/// the outcome's name; Fail, Error and UnexpectedPass are failures naming the requirement, seed and steps.
/// </summary>
public abstract partial class AdapterConformanceTests
{
    /// <summary>The adapter under test.</summary>
    protected abstract IAdapterFactory CreateAdapter();

    /// <summary>Known failures of this adapter (formats.md §5 baseline), or null for none.</summary>
    protected virtual Baseline? Baseline => null;

    /// <summary>The seed of each check; default: a stable hash of the check, or <c>CONFORMANCE_SEED</c> when set.</summary>
    protected virtual ulong SeedFor(string requirementId, string checkName) =>
        ulong.TryParse(Environment.GetEnvironmentVariable("CONFORMANCE_SEED"), out var s) ? s : CheckRunner.DefaultSeed(requirementId, checkName);

    protected virtual TimeSpan Timeout => CheckRunner.DefaultTimeout;

    /// <summary>Runs one check and reports it to xunit.</summary>
    protected async Task RunCheckAsync(string requirementId, string checkName)
    {
        var factory = CreateAdapter();
        var result = await CheckRunner.RunAsync(factory, requirementId, checkName, SeedFor(requirementId, checkName),
            TestContext.Current.CancellationToken, Timeout).ConfigureAwait(false);
        var baseline = Baseline;
        if (baseline is not null && baseline.Adapter != factory.Name)
            throw new InvalidOperationException($"the baseline is for adapter '{baseline.Adapter}', not '{factory.Name}'");
        var final = (baseline ?? new Baseline(factory.Name, "default", new Dictionary<string, BaselineEntry>())).Judge(requirementId, result.Outcome);
        string details = result.Message + (result.Reproduction is { } r ? "\n" + r : "");
        switch (final)
        {
            case FinalOutcome.Pass:
                return;
            case FinalOutcome.NotSupported:
                Assert.Skip($"NotSupported: {result.Message}");
                break;
            case FinalOutcome.ExpectedFail:
                Assert.Skip($"ExpectedFail: {baseline!.Expected[requirementId].Why} ({result.Message})");
                break;
            case FinalOutcome.UnexpectedPass:
                Assert.Fail($"UnexpectedPass: {requirementId} passed, but the baseline expects {baseline!.Expected[requirementId].Outcome} ({baseline.Expected[requirementId].Why}); clear it from the baseline");
                break;
            case FinalOutcome.Error:
                throw new ConformanceErrorException($"Error: {details}");
            default:
                Assert.Fail($"Fail: {details}");
                break;
        }
    }
}

/// <summary>The adapter or harness crashed or hung (outcome Error).</summary>
public sealed class ConformanceErrorException(string message) : Exception(message);
