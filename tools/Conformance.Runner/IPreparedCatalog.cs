namespace Conformance.Runner;

/// <summary>
/// A catalog that needs setting up before a check can run (an adapter host process to start after a crash). The run
/// calls <see cref="PrepareAsync"/> before each check, outside the check's time limit, so a slow restart is not
/// charged to the next test.
/// </summary>
public interface IPreparedCatalog
{
    Task PrepareAsync(CancellationToken ct);
}
