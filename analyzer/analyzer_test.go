package analyzer_test

import (
	"testing"

	"github.com/drainfix/drainfix/analyzer"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestAnalyzer(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), analyzer.Analyzer, "a")
}

func TestPerRuleAnalyzers(t *testing.T) {
	if err := analysis.Validate(append(analyzer.Analyzers, analyzer.Analyzer)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range analyzer.Analyzers {
		if seen[a.Name] {
			t.Errorf("two analyzers named %s", a.Name)
		}
		seen[a.Name] = true
		if a.Run == nil || a.Doc == "" {
			t.Errorf("analyzer %s lacks Run or Doc", a.Name)
		}
	}
	if !seen["server_close"] {
		t.Error("no per-rule analyzer for server-close")
	}
}
