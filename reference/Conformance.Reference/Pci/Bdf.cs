using System.Globalization;

namespace Conformance.Reference.Pci;

/// <summary>
/// A PCI function address: segment (domain), bus, device, function. PCI Local Bus 3.0 §3.2.2.3.2 (bus 8 bits,
/// device 5 bits, function 3 bits); the 16-bit requester ID is <c>bus &lt;&lt; 8 | device &lt;&lt; 3 | function</c>
/// (PCIe Base §2.2.6.2).
/// </summary>
public readonly record struct Bdf(int Segment, byte Bus, byte Device, byte Function) : IComparable<Bdf>
{
    public Bdf(int segment, byte bus, byte devfn) : this(segment, bus, (byte)(devfn >> 3), (byte)(devfn & 7)) { }

    /// <summary>device &lt;&lt; 3 | function.</summary>
    public byte DevFn => (byte)((Device << 3) | Function);

    /// <summary>The 16-bit requester ID a transaction from this function carries.</summary>
    public ushort RequesterId => (ushort)((Bus << 8) | DevFn);

    public static Bdf FromRequesterId(int segment, ushort rid) => new(segment, (byte)(rid >> 8), (byte)(rid & 0xff));

    public int CompareTo(Bdf other)
    {
        int c = Segment.CompareTo(other.Segment);
        return c != 0 ? c : RequesterId.CompareTo(other.RequesterId);
    }

    public static bool operator <(Bdf a, Bdf b) => a.CompareTo(b) < 0;
    public static bool operator >(Bdf a, Bdf b) => a.CompareTo(b) > 0;
    public static bool operator <=(Bdf a, Bdf b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Bdf a, Bdf b) => a.CompareTo(b) >= 0;

    /// <summary>Linux's <c>dev_name</c> form: <c>0000:00:1c.0</c>; a segment above 0xffff (VMD) prints five digits.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Segment:x4}:{Bus:x2}:{Device:x2}.{Function:x1}");

    /// <summary>Parses <c>[dddd:]bb:dd.f</c> (hex; a missing segment means 0).</summary>
    public static bool TryParse(string? text, out Bdf bdf)
    {
        bdf = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        int dot = text.LastIndexOf('.');
        if (dot < 0 || dot != text.Length - 2) return false;
        string[] parts = text[..dot].Split(':');
        if (parts.Length is < 2 or > 3) return false;
        int segment = 0;
        int i = 0;
        if (parts.Length == 3)
        {
            if (parts[0].Length is < 1 or > 5 || !int.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out segment)) return false;
            i = 1;
        }
        if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte bus)) return false;
        if (parts[i + 1].Length != 2 || !byte.TryParse(parts[i + 1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte dev) || dev > 31) return false;
        char f = text[^1];
        if (f is < '0' or > '7') return false;
        bdf = new Bdf(segment, bus, dev, (byte)(f - '0'));
        return true;
    }

    public static Bdf Parse(string text) =>
        TryParse(text, out var b) ? b : throw new FormatException($"'{text}' is not a PCI address of the form dddd:bb:dd.f");
}
