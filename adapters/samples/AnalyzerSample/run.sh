#!/usr/bin/env bash
# Packs the analyzer with a fresh version into ./feed, builds this sample against it, and checks that the build
# reports every rule (DAK001-DAK007). Exit 0 only if all seven appear.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
version="0.1.0-sample.$(date +%Y%m%d%H%M%S).$$"
mkdir -p "$here/feed"
dotnet pack "$root/tools/Conformance.Analyzers.CodeFixes/Conformance.Analyzers.CodeFixes.csproj" -c Release -o "$here/feed" -p:Version="$version" -v q -nologo
log="$(mktemp)"
dotnet build "$here/AnalyzerSample.csproj" -p:ConformanceAnalyzersVersion="$version" -nologo -v q --no-incremental 2>&1 | tee "$log" | grep -E "warning DAK|error" || true
missing=0
for id in DAK001 DAK002 DAK003 DAK004 DAK005 DAK006 DAK007; do
  if grep -q "AnalyzerSample/SampleAdapter.cs.*warning $id" "$log"; then echo "ok: $id reported"; else echo "MISSING: $id"; missing=1; fi
done
rm -f "$log"
exit $missing
