using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conformance.Runner;

/// <summary>Run seeds: parsing <c>--seed N</c>, choosing a default, and deriving each check's seed.</summary>
public static class Seeds
{
    /// <summary>Parses a seed written in decimal or as <c>0x...</c> (64 bits).</summary>
    /// <exception cref="UsageException">anything else.</exception>
    public static ulong Parse(string text)
    {
        string t = text.Trim();
        bool hex = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        string digits = hex ? t[2..] : t;
        if (digits.Length == 0 || (hex && digits.Length > 16)
            || !ulong.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
            throw new UsageException($"--seed \"{text}\": not a 64-bit seed (write decimal or 0x-prefixed hex)");
        return seed;
    }

    /// <summary>A fresh run seed from the operating system's generator; it is printed so the run can be repeated.</summary>
    public static ulong Fresh() => BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));

    public static string Format(ulong seed) => "0x" + seed.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// The seed a check runs with: a hash of (run seed, requirement, check, adapter), so one check's seed does not
    /// depend on which other checks run, on their order, on the shard or on the profile.
    /// </summary>
    public static ulong Derive(ulong runSeed, string requirementId, string checkName, string adapterName)
    {
        string key = string.Create(CultureInfo.InvariantCulture, $"{runSeed:x16}\n{requirementId}\n{checkName}\n{adapterName}");
        return BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
