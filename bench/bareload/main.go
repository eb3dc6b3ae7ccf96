// Command bareload is the benchmark's baseline: a go/packages typed load
// of the given patterns, with the mode and test variants drainfix uses,
// and nothing else. It prints how many packages and files it loaded.
package main

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/tools/go/packages"
)

func main() {
	tests := flag.Bool("tests", true, "load test variants too")
	flag.Parse()
	mode := packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
		packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule |
		packages.NeedImports
	pkgs, err := packages.Load(&packages.Config{Mode: mode, Tests: *tests}, flag.Args()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	files := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.GoFiles {
			files[f] = true
		}
	}
	fmt.Printf("packages %d files %d\n", len(pkgs), len(files))
}
