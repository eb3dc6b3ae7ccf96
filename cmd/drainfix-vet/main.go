// Command drainfix-vet is drainfix as a vet tool:
//
//	go build -o drainfix-vet github.com/drainfix/drainfix/cmd/drainfix-vet
//	go vet -vettool=$(pwd)/drainfix-vet ./...        # report
//	go vet -vettool=$(pwd)/drainfix-vet -fix ./...   # apply the suggested fixes
//	go fix -fixtool=$(pwd)/drainfix-vet -diff ./...  # show them as a diff
package main

import (
	"github.com/drainfix/drainfix/analyzer"
	"golang.org/x/tools/go/analysis/unitchecker"
)

func main() { unitchecker.Main(analyzer.Analyzer) }
