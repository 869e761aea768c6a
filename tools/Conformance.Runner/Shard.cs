using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conformance.Runner;

/// <summary>
/// <c>--shard I/N</c> (1 ≤ I ≤ N): a test belongs to shard <c>1 + hash(identity) mod N</c>. The hash is of the test's
/// identity (adapter, profile, requirement, check), not of its position, so a shard's slice does not move when
/// other tests are added, and the N shards together run every test exactly once.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Whole { get; } = new(1, 1);

    public bool IsWhole => Count == 1;

    public bool Contains(TestIdentity test) => Count == 1 || (int)(StableHash(test.Key) % (ulong)Count) == Index - 1;

    /// <exception cref="UsageException">not of the form I/N with 1 ≤ I ≤ N.</exception>
    public static Shard Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new UsageException($"--shard \"{text}\": expected I/N, e.g. 2/4");
        if (n < 1 || i < 1 || i > n)
            throw new UsageException($"--shard \"{text}\": need 1 <= I <= N");
        return new Shard(i, n);
    }

    internal static ulong StableHash(string key) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
