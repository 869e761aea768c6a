using System.Text;

namespace Conformance.Adapters.Broken;

/// <summary>Adapter names of the variants: <c>broken-</c> and the class name in kebab case.</summary>
public static class VariantNames
{
    public static string Of(Type variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var name = new StringBuilder("broken");
        foreach (char c in variant.Name)
        {
            if (char.IsUpper(c)) name.Append('-');
            name.Append(char.ToLowerInvariant(c));
        }
        return name.ToString();
    }
}
