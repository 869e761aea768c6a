namespace Conformance.Runner;

/// <summary>
/// Bad input on the command line (unknown adapter, bad filter, seed, shard, report format or path). The CLI prints
/// the one-line message and exits 2 before anything runs or is written.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
