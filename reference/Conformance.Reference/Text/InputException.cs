namespace Conformance.Reference.Text;

/// <summary>
/// A malformed input file (topology, lspci, vector, baseline, spec). Carries the position so every tool can print
/// <c>file:line[:column]: message</c> and exit 2 without half-applying anything.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string file, int line, int column, string detail)
        : base(Format(file, line, column, detail))
    {
        File = file;
        Line = line;
        Column = column;
        Detail = detail;
    }

    public string File { get; }
    public int Line { get; }
    /// <summary>1-based column, or 0 when the error is about a whole line.</summary>
    public int Column { get; }
    public string Detail { get; }

    public static string Format(string file, int line, int column, string detail) =>
        column > 0 ? $"{file}:{line}:{column}: {detail}" : $"{file}:{line}: {detail}";
}
