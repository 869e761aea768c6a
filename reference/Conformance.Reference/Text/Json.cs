using System.Globalization;
using System.Text;

namespace Conformance.Reference.Text;

public enum JsonKind { Object, Array, String, Number, True, False, Null }

/// <summary>
/// A JSON value that remembers where it was written. The kit's public formats (topology, vectors, baselines) are
/// JSON, and every error in them must name its line and column; System.Text.Json's DOM does not keep positions.
/// </summary>
public sealed class JsonValue
{
    private readonly List<KeyValuePair<string, JsonValue>>? _members;
    private readonly List<JsonValue>? _items;

    internal JsonValue(JsonKind kind, string file, int line, int column, string? text = null,
        List<KeyValuePair<string, JsonValue>>? members = null, List<JsonValue>? items = null)
    {
        Kind = kind; File = file; Line = line; Column = column; Text = text; _members = members; _items = items;
    }

    public JsonKind Kind { get; }
    /// <summary>Where the member name of this value was written (for an object member), else the value's own position.</summary>
    public int KeyLine { get; private set; }
    public int KeyColumn { get; private set; }

    internal JsonValue WithKeyPosition(int line, int column)
    {
        KeyLine = line;
        KeyColumn = column;
        return this;
    }

    /// <summary>An error located at this member's name (e.g. an unknown or duplicate field).</summary>
    public InputException KeyError(string message) =>
        new(File, KeyLine > 0 ? KeyLine : Line, KeyLine > 0 ? KeyColumn : Column, message);
    public string File { get; }
    public int Line { get; }
    public int Column { get; }
    /// <summary>The string value, or the number's literal text.</summary>
    public string? Text { get; }

    public IReadOnlyList<KeyValuePair<string, JsonValue>> Members =>
        _members ?? throw Error($"expected an object, found {Describe()}");

    public IReadOnlyList<JsonValue> Items => _items ?? throw Error($"expected an array, found {Describe()}");

    public InputException Error(string message) => new(File, Line, Column, message);

    public string Describe() => Kind switch
    {
        JsonKind.String => $"string \"{Text}\"",
        JsonKind.Number => $"number {Text}",
        JsonKind.True => "true",
        JsonKind.False => "false",
        JsonKind.Null => "null",
        JsonKind.Object => "an object",
        _ => "an array",
    };

    public JsonValue? Get(string name)
    {
        foreach (var m in Members) if (m.Key == name) return m.Value;
        return null;
    }

    public JsonValue Require(string name) =>
        Get(name) ?? throw Error($"missing field \"{name}\"");

    /// <summary>Rejects members whose name is not in <paramref name="allowed"/>: a misspelt field must not be silently ignored.</summary>
    public void AllowOnly(params string[] allowed)
    {
        foreach (var m in Members)
        {
            if (Array.IndexOf(allowed, m.Key) < 0)
                throw m.Value.KeyError($"unknown field \"{m.Key}\" (expected one of: {string.Join(", ", allowed)})");
        }
    }

    public string AsString() => Kind == JsonKind.String ? Text! : throw Error($"expected a string, found {Describe()}");

    public bool AsBool() => Kind switch
    {
        JsonKind.True => true,
        JsonKind.False => false,
        _ => throw Error($"expected true or false, found {Describe()}"),
    };

    /// <summary>
    /// A number as the formats allow it: a decimal JSON number, or a string "0x..." (hex), or a size "4KiB",
    /// "2MiB", "1GiB" (also KB/MB/GB read as binary units are NOT accepted: only the IEC forms).
    /// </summary>
    public ulong AsUInt64()
    {
        if (Kind == JsonKind.Number)
        {
            if (ulong.TryParse(Text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
            throw Error($"expected a non-negative integer, found {Text}");
        }
        if (Kind == JsonKind.String)
        {
            if (Numbers.TryParse(Text!, out ulong v, out string? why)) return v;
            throw Error(why!);
        }
        throw Error($"expected a number, found {Describe()}");
    }

    public long AsInt64()
    {
        if (Kind == JsonKind.Number && Text!.StartsWith('-'))
        {
            if (long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)) return n;
            throw Error($"expected an integer, found {Text}");
        }
        if (Kind == JsonKind.String && Text!.StartsWith('-'))
        {
            var inner = new JsonValue(JsonKind.String, File, Line, Column, Text[1..]);
            ulong m = inner.AsUInt64();
            if (m > (ulong)long.MaxValue + 1) throw Error($"{Text} is out of range");
            return m == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)m;
        }
        ulong u = AsUInt64();
        if (u > long.MaxValue) return unchecked((long)u); // two's complement, as a 64-bit register holds it
        return (long)u;
    }

    public int AsInt(int min, int max)
    {
        long v = AsInt64();
        if (v < min || v > max) throw Error($"{v} is out of range ({min}..{max})");
        return (int)v;
    }

    public ulong AsUInt64(ulong max)
    {
        ulong v = AsUInt64();
        if (v > max) throw Error($"0x{v:x} is out of range (at most 0x{max:x})");
        return v;
    }

    public static JsonValue Parse(string text, string file) => new JsonParser(text, file).ParseDocument();

    public static JsonValue ParseFile(string path)
    {
        string text;
        try { text = System.IO.File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, 1, 0, $"cannot read file: {e.Message}");
        }
        return Parse(text, path);
    }

    public override string ToString() => Describe();
}

/// <summary>Number spellings shared by all the kit's input formats.</summary>
public static class Numbers
{
    public static bool TryParse(string s, out ulong value, out string? why)
    {
        value = 0;
        why = null;
        string t = s.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            string hex = t[2..].Replace("_", "", StringComparison.Ordinal);
            if (hex.Length is 0 or > 16 || !ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
            {
                why = $"\"{s}\" is not a valid hex number";
                return false;
            }
            return true;
        }
        (string suffix, int shift)[] units = [("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40)];
        foreach (var (suffix, shift) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                string n = t[..^suffix.Length].Trim();
                if (!ulong.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out ulong m) || m > (ulong.MaxValue >> shift))
                {
                    why = $"\"{s}\" is not a valid size";
                    return false;
                }
                value = m << shift;
                return true;
            }
        }
        if (ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value)) return true;
        why = $"\"{s}\" is not a number (write decimal, \"0x...\" or a size such as \"4KiB\")";
        return false;
    }
}

internal sealed class JsonParser(string text, string file)
{
    private int _pos;
    private int _line = 1;
    private int _lineStart;

    public JsonValue ParseDocument()
    {
        SkipWs();
        if (_pos >= text.Length) throw Err("empty document");
        var v = ParseValue(0);
        SkipWs();
        if (_pos < text.Length) throw Err($"unexpected '{text[_pos]}' after the end of the document");
        return v;
    }

    private int Col => _pos - _lineStart + 1;
    private InputException Err(string m) => new(file, _line, Col, m);

    private void SkipWs()
    {
        while (_pos < text.Length)
        {
            char c = text[_pos];
            if (c == '\n') { _pos++; _line++; _lineStart = _pos; }
            else if (c is ' ' or '\t' or '\r' or '\uFEFF') _pos++;
            else break;
        }
    }

    private JsonValue ParseValue(int depth)
    {
        if (depth > 256) throw Err("nesting too deep");
        SkipWs();
        if (_pos >= text.Length) throw Err("unexpected end of file");
        int line = _line, col = Col;
        char c = text[_pos];
        switch (c)
        {
            case '{':
            {
                _pos++;
                var members = new List<KeyValuePair<string, JsonValue>>();
                SkipWs();
                if (Peek() == '}') { _pos++; return new JsonValue(JsonKind.Object, file, line, col, members: members); }
                while (true)
                {
                    SkipWs();
                    if (Peek() != '"') throw Err("expected a field name in double quotes");
                    int kl = _line, kc = Col;
                    string key = ParseString();
                    foreach (var m in members)
                        if (m.Key == key) throw new InputException(file, kl, kc, $"duplicate field \"{key}\"");
                    SkipWs();
                    if (Peek() != ':') throw Err("expected ':'");
                    _pos++;
                    members.Add(new(key, ParseValue(depth + 1).WithKeyPosition(kl, kc)));
                    SkipWs();
                    char d = Peek();
                    if (d == ',') { _pos++; continue; }
                    if (d == '}') { _pos++; break; }
                    throw Err("expected ',' or '}'");
                }
                return new JsonValue(JsonKind.Object, file, line, col, members: members);
            }
            case '[':
            {
                _pos++;
                var items = new List<JsonValue>();
                SkipWs();
                if (Peek() == ']') { _pos++; return new JsonValue(JsonKind.Array, file, line, col, items: items); }
                while (true)
                {
                    items.Add(ParseValue(depth + 1));
                    SkipWs();
                    char d = Peek();
                    if (d == ',') { _pos++; continue; }
                    if (d == ']') { _pos++; break; }
                    throw Err("expected ',' or ']'");
                }
                return new JsonValue(JsonKind.Array, file, line, col, items: items);
            }
            case '"':
                return new JsonValue(JsonKind.String, file, line, col, ParseString());
            case 't': Expect("true"); return new JsonValue(JsonKind.True, file, line, col);
            case 'f': Expect("false"); return new JsonValue(JsonKind.False, file, line, col);
            case 'n': Expect("null"); return new JsonValue(JsonKind.Null, file, line, col);
            default:
                if (c == '-' || char.IsAsciiDigit(c)) return new JsonValue(JsonKind.Number, file, line, col, ParseNumber());
                throw Err($"unexpected character '{c}'");
        }
    }

    private char Peek() => _pos < text.Length ? text[_pos] : '\0';

    private void Expect(string word)
    {
        if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) throw Err($"unexpected token (expected {word})");
        _pos += word.Length;
    }

    private string ParseNumber()
    {
        int start = _pos;
        if (Peek() == '-') _pos++;
        if (!char.IsAsciiDigit(Peek())) throw Err("invalid number");
        while (char.IsAsciiDigit(Peek())) _pos++;
        if (Peek() == '.')
        {
            _pos++;
            if (!char.IsAsciiDigit(Peek())) throw Err("invalid number");
            while (char.IsAsciiDigit(Peek())) _pos++;
        }
        if (Peek() is 'e' or 'E')
        {
            _pos++;
            if (Peek() is '+' or '-') _pos++;
            if (!char.IsAsciiDigit(Peek())) throw Err("invalid number");
            while (char.IsAsciiDigit(Peek())) _pos++;
        }
        return text[start.._pos];
    }

    private string ParseString()
    {
        _pos++; // opening quote
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= text.Length) throw Err("unterminated string");
            char c = text[_pos++];
            if (c == '"') return sb.ToString();
            if (c == '\n') { _pos--; throw Err("unterminated string (newline inside)"); }
            if (c < 0x20) throw Err("control character in string");
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= text.Length) throw Err("unterminated string");
            char e = text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 > text.Length || !ushort.TryParse(text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort u))
                        throw Err("invalid \\u escape");
                    sb.Append((char)u);
                    _pos += 4;
                    break;
                default: throw Err($"invalid escape '\\{e}'");
            }
        }
    }
}
