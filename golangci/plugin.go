// Package golangci registers drainfix as a golangci-lint module plugin.
// It is a module of its own so that drainfix does not depend on
// golangci-lint. See the README for the .custom-gcl.yml to build a custom
// golangci-lint with it.
package golangci

import (
	"time"

	"github.com/drainfix/drainfix/analyzer"
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"
)

func init() {
	register.Plugin("drainfix", New)
}

// Settings are the plugin's settings in .golangci.yml.
type Settings struct {
	Rules   []string `json:"rules"`   // run only these rules (default: all)
	Disable []string `json:"disable"` // do not run these rules
	Timeout string   `json:"timeout"` // drain deadline written into fixes, e.g. "25s"
}

// New returns the plugin for golangci-lint's settings.
func New(settings any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](settings)
	if err != nil {
		return nil, err
	}
	var timeout time.Duration
	if s.Timeout != "" {
		if timeout, err = time.ParseDuration(s.Timeout); err != nil {
			return nil, err
		}
	}
	a, err := analyzer.Select(s.Rules, s.Disable, timeout)
	if err != nil {
		return nil, err
	}
	return &plugin{a: a}, nil
}

type plugin struct{ a *analysis.Analyzer }

func (p *plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{p.a}, nil
}

func (p *plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
