using System.Reflection;
using Conformance.Analyzers;
using Microsoft.CodeAnalysis;

namespace Conformance.Analyzers.Tests;

/// <summary>Every rule has a stable ID, a help link to its page, and the page exists with both kinds of example.</summary>
public sealed class RuleDocsTests
{
    public static TheoryData<string> Rules()
    {
        var data = new TheoryData<string>();
        foreach (var d in AllDescriptors()) data.Add(d.Id);
        return data;
    }

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors() =>
        typeof(Descriptors).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    [Fact]
    public void Every_rule_id_is_unique_and_every_analyzer_in_the_assembly_reports_only_known_rules()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(7, ids.Count);
        var analyzers = typeof(Descriptors).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer)Activator.CreateInstance(t)!).ToList();
        Assert.Equal(ids.Order(), analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Order());
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_help_link_names_the_rules_page_and_the_page_has_compliant_and_non_compliant_code(string id)
    {
        var d = AllDescriptors().Single(x => x.Id == id);
        Assert.Equal($"docs/rules/{id}.md", d.HelpLinkUri);
        var page = Path.Combine(AppContext.BaseDirectory, "rules", id + ".md");
        Assert.True(File.Exists(page), $"{page} is missing");
        var text = File.ReadAllText(page);
        Assert.StartsWith($"# {id}:", text, StringComparison.Ordinal);
        Assert.Contains("## Non-compliant", text, StringComparison.Ordinal);
        Assert.Contains("## Compliant", text, StringComparison.Ordinal);
    }
}
