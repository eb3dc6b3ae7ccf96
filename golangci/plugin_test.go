package golangci

import (
	"strings"
	"testing"

	"github.com/golangci/plugin-module-register/register"
)

func TestPlugin(t *testing.T) {
	newPlugin, err := register.GetPlugin("drainfix")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(map[string]any{"disable": []string{"server-close"}, "timeout": "10s"})
	if err != nil {
		t.Fatal(err)
	}
	as, err := p.BuildAnalyzers()
	if err != nil || len(as) != 1 || as[0].Name != "drainfix" {
		t.Fatalf("BuildAnalyzers = %v, %v", as, err)
	}
	if got := as[0].Flags.Lookup("timeout").Value.String(); got != "10s" {
		t.Errorf("timeout = %s, want 10s", got)
	}
	if p.GetLoadMode() != register.LoadModeTypesInfo {
		t.Errorf("load mode %q", p.GetLoadMode())
	}
	if _, err := newPlugin(map[string]any{"rules": []string{"no-such-rule"}}); err == nil {
		t.Error("an unknown rule is accepted")
	}
	if _, err := newPlugin(map[string]any{"timeout": "500ms"}); err == nil || !strings.Contains(err.Error(), "the drain deadline must be at least 1s (got 500ms)") {
		t.Errorf("a timeout of 500ms: err = %v", err)
	}
	if _, err := newPlugin(map[string]any{"bogus": 1}); err == nil {
		t.Error("an unknown setting is accepted")
	}
}
