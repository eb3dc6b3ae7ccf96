package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/drainfix/drainfix/internal/diff"
	"github.com/drainfix/drainfix/internal/engine"
	"github.com/drainfix/drainfix/internal/registry"
)

// docURL is where the README's rule catalogue lives; a rule's anchor is its name.
const docURL = "https://github.com/drainfix/drainfix#"

// SARIF 2.1.0, only the parts drainfix fills in.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool               sarifTool                   `json:"tool"`
		ColumnKind         string                      `json:"columnKind"`
		OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
		Results            []sarifResult               `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID               string       `json:"id"`
		ShortDescription sarifText    `json:"shortDescription"`
		FullDescription  sarifText    `json:"fullDescription"`
		Help             sarifText    `json:"help"`
		HelpURI          string       `json:"helpUri"`
		Properties       sarifRuleTag `json:"properties"`
	}
	sarifRuleTag struct {
		Tags    []string `json:"tags"`
		Fixable bool     `json:"fixable"`
	}
	sarifText struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
		Fixes     []sarifFix      `json:"fixes,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
		Region           sarifRegion      `json:"region"`
	}
	sarifArtifactLoc struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
		EndColumn   int `json:"endColumn,omitempty"`
	}
	sarifFix struct {
		Description     sarifText             `json:"description"`
		ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
	}
	sarifArtifactChange struct {
		ArtifactLocation sarifArtifactLoc   `json:"artifactLocation"`
		Replacements     []sarifReplacement `json:"replacements"`
	}
	sarifReplacement struct {
		DeletedRegion   sarifRegion `json:"deletedRegion"`
		InsertedContent *sarifText  `json:"insertedContent,omitempty"`
	}
)

// writeSARIF prints the findings as one SARIF 2.1.0 log, each fixable
// result with its fix as artifact changes. Paths are relative to the
// working directory (%SRCROOT%) when inside it.
func (c *command) writeSARIF(w io.Writer, res *engine.Result) error {
	rules := registry.All()
	index := map[string]int{}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "drainfix", Version: buildVersion(), InformationURI: "https://github.com/drainfix/drainfix",
		}},
		OriginalURIBaseIDs: map[string]sarifArtifactLoc{
			"%SRCROOT%": {URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(c.dir) + "/"}).String()},
		},
		// Columns count UTF-16 code units, as SARIF viewers (and their
		// editors) do by default; drainfix's own columns are bytes.
		ColumnKind: "utf16CodeUnits",
		Results:    []sarifResult{},
	}
	lines := fileLines{}
	for i, r := range rules {
		index[r.Name] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               r.Name,
			ShortDescription: sarifText{Text: r.Summary},
			FullDescription:  sarifText{Text: strings.Join(strings.Fields(r.Doc), " ")},
			Help:             sarifText{Text: r.Explain()},
			HelpURI:          docURL + r.Name,
			Properties:       sarifRuleTag{Tags: []string{"graceful-shutdown", "reliability"}, Fixable: r.Fixes()},
		})
	}
	for _, f := range res.Findings {
		result := sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: "warning",
			Message: sarifText{Text: f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: c.artifact(f.File),
				Region: sarifRegion{
					StartLine: f.Line, StartColumn: lines.utf16Col(f.File, f.Line, f.Column),
					EndLine: f.EndLine, EndColumn: lines.utf16Col(f.File, f.EndLine, f.EndColumn),
				},
			}}},
		}
		if len(f.Fix) > 0 {
			fix := sarifFix{Description: sarifText{Text: "drainfix: fix " + f.Rule}}
			for _, fx := range f.Fix {
				fix.ArtifactChanges = append(fix.ArtifactChanges, sarifArtifactChange{
					ArtifactLocation: c.artifact(fx.Path),
					Replacements:     replacements(fx.Old, fx.New),
				})
			}
			result.Fixes = []sarifFix{fix}
		}
		run.Results = append(run.Results, result)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

func (c *command) artifact(path string) sarifArtifactLoc {
	rel := c.rel(path)
	if filepath.IsAbs(rel) {
		return sarifArtifactLoc{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(rel)}).String()}
	}
	return sarifArtifactLoc{URI: (&url.URL{Path: filepath.ToSlash(rel)}).String(), URIBaseID: "%SRCROOT%"}
}

// replacements turns a file's change into whole-line replacements: each
// deleted region runs from column 1 of its first line to column 1 of the
// line after it, so columns never depend on how characters are counted.
func replacements(old, new []byte) []sarifReplacement {
	var reps []sarifReplacement
	for _, e := range diff.Edits(old, new) {
		start := bytes.Count(old[:e.Start], []byte("\n")) + 1
		end := bytes.Count(old[:e.End], []byte("\n")) + 1
		region := sarifRegion{StartLine: start, StartColumn: 1, EndLine: end, EndColumn: 1}
		if e.End == len(old) && len(old) > 0 && old[len(old)-1] != '\n' {
			// The last line has no newline: end after its last character.
			lastNL := bytes.LastIndexByte(old, '\n')
			region.EndLine = end
			region.EndColumn = len(utf16.Encode([]rune(string(old[lastNL+1:])))) + 1
		}
		rep := sarifReplacement{DeletedRegion: region}
		if len(e.New) > 0 {
			rep.InsertedContent = &sarifText{Text: string(e.New)}
		}
		reps = append(reps, rep)
	}
	return reps
}

// fileLines reads files' lines, once each, to turn byte columns into
// UTF-16 ones.
type fileLines map[string][][]byte

// utf16Col returns the 1-based UTF-16 column of the 1-based byte column
// col on line of file; col itself when the file cannot be read.
func (fl fileLines) utf16Col(file string, line, col int) int {
	ls, ok := fl[file]
	if !ok {
		if b, err := os.ReadFile(file); err == nil {
			ls = bytes.Split(b, []byte("\n"))
		}
		fl[file] = ls
	}
	if line < 1 || line > len(ls) || col < 1 {
		return col
	}
	l := ls[line-1]
	if col-1 > len(l) {
		return col
	}
	return len(utf16.Encode([]rune(string(l[:col-1])))) + 1
}
