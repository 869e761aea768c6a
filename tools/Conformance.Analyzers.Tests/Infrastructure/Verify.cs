using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Conformance.Analyzers.Tests.Infrastructure;

/// <summary>
/// Runs one analyzer over adapter source written with the test framework's markup: <c>{|DAK003:0x1000|}</c>
/// marks exactly where a diagnostic must be and nothing else may be reported.
/// </summary>
internal static class Verify<TAnalyzer> where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task Analyzer(string source, string? editorconfig = null, string? globalconfig = null, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            ReferenceAssemblies = TestReferences.Assemblies,
        };
        test.TestState.AdditionalReferences.AddRange(TestReferences.Metadata);
        if (editorconfig is not null)
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n[*]\n" + editorconfig));
        if (globalconfig is not null)
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + globalconfig));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}

/// <summary>Runs a code fix: the source before (with markup) must become the source after, with nothing left to fix.</summary>
internal static class VerifyFix<TAnalyzer, TFix> where TAnalyzer : DiagnosticAnalyzer, new() where TFix : CodeFixProvider, new()
{
    public static Task CodeFix(string before, string after, int? iterations = null)
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        {
            TestCode = before,
            FixedCode = after,
            ReferenceAssemblies = TestReferences.Assemblies,
        };
        if (iterations is { } n) test.NumberOfFixAllIterations = n;
        test.TestState.AdditionalReferences.AddRange(TestReferences.Metadata);
        test.FixedState.AdditionalReferences.AddRange(TestReferences.Metadata);
        return test.RunAsync(TestContext.Current.CancellationToken);
    }
}
