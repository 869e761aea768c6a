using Conformance.Suite.Catalog;

namespace Conformance.Runner;

/// <summary>
/// A test's final outcome after the baseline is applied (architecture.md "Outcomes"; formats.md §5). The gate passes
/// when every outcome is <see cref="Pass"/>, <see cref="NotSupported"/> or <see cref="ExpectedFail"/>.
/// </summary>
public enum Outcome
{
    Pass,
    Fail,
    NotSupported,
    Error,
    /// <summary>A Fail (or Error) that the baseline lists for this requirement, adapter and profile.</summary>
    ExpectedFail,
    /// <summary>A Pass of something the baseline says fails: the baseline is stale and must be cleared.</summary>
    UnexpectedPass,
}

/// <summary>The rules that turn a check's raw outcome and a baseline entry into the outcome that gates the run.</summary>
public static class OutcomeRules
{
    /// <summary>
    /// Applies the baseline: an expected outcome that happened is ExpectedFail; a Pass where a failure was expected is
    /// UnexpectedPass (deqp-runner's "UnexpectedImprovement"). A NotSupported stays NotSupported; a failure of another
    /// kind than the one expected (an Error where a Fail was expected) stays what it is.
    /// </summary>
    public static Outcome Judge(RawOutcome raw, BaselineEntry? expected) => (raw, expected?.Outcome) switch
    {
        (RawOutcome.Pass, null) => Outcome.Pass,
        (RawOutcome.Pass, _) => Outcome.UnexpectedPass,
        (RawOutcome.NotSupported, _) => Outcome.NotSupported,
        (RawOutcome.Fail, ExpectedOutcome.Fail) => Outcome.ExpectedFail,
        (RawOutcome.Error, ExpectedOutcome.Error) => Outcome.ExpectedFail,
        (RawOutcome.Fail, _) => Outcome.Fail,
        _ => Outcome.Error,
    };

    /// <summary>True for the outcomes that make <c>conformance run</c> exit 1.</summary>
    public static bool FailsGate(this Outcome outcome) =>
        outcome is Outcome.Fail or Outcome.Error or Outcome.UnexpectedPass;

    /// <summary>Which outcome wins when several checks share one cell of the matrix: the most urgent one.</summary>
    public static int Urgency(this Outcome outcome) => outcome switch
    {
        Outcome.Error => 5,
        Outcome.Fail => 4,
        Outcome.UnexpectedPass => 3,
        Outcome.ExpectedFail => 2,
        Outcome.Pass => 1,
        _ => 0,
    };

    /// <summary>The spelling used in reports and plain output.</summary>
    public static string Name(this Outcome outcome) => outcome switch
    {
        Outcome.Pass => "Pass",
        Outcome.Fail => "Fail",
        Outcome.NotSupported => "NotSupported",
        Outcome.Error => "Error",
        Outcome.ExpectedFail => "ExpectedFail",
        _ => "UnexpectedPass",
    };
}
