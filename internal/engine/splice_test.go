package engine

import (
	"strings"
	"testing"
)

func lines(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

func TestSplice(t *testing.T) {
	for _, c := range []struct {
		name               string
		orig, printed, out []byte
		want               string
		conflictAt         int // line of orig, when a conflict is expected
	}{{
		name:    "a file the printer reproduces gets the printed fix",
		orig:    lines("a", "b", "c"),
		printed: lines("a", "b", "c"),
		out:     lines("a", "B", "c"),
		want:    "a\nB\nc\n",
	}, {
		name:    "lines the fix does not change keep their bytes",
		orig:    lines("x  =  1", "a", "b", "y  =  2"),
		printed: lines("x = 1", "a", "b", "y = 2"),
		out:     lines("x = 1", "a", "new", "b", "y = 2"),
		want:    "x  =  1\na\nnew\nb\ny  =  2\n",
	}, {
		name:    "a line the fix changes is printed as gofmt prints it",
		orig:    lines("a", "c :=   make()", "b"),
		printed: lines("a", "c := make()", "b"),
		out:     lines("a", "c := make(1)", "b"),
		want:    "a\nc := make(1)\nb\n",
	}, {
		name:    "an insertion next to lines only the file has goes after them",
		orig:    lines("a", "", "", "b"),
		printed: lines("a", "", "b"),
		out:     lines("a", "", "new", "b"),
		want:    "a\n\n\nnew\nb\n",
	}, {
		name:    "a line only the printer writes (a //go:build line) is not added",
		orig:    lines("// +build x", "", "package p", "a"),
		printed: lines("//go:build x", "// +build x", "", "package p", "a"),
		out:     lines("//go:build x", "// +build x", "", "package p", "A"),
		want:    "// +build x\n\npackage p\nA\n",
	}, {
		name:       "changing one of a run of lines gofmt reformats together conflicts",
		orig:       lines("a", "x // one", "yy     // two", "b"),
		printed:    lines("a", "x  // one", "yy // two", "b"),
		out:        lines("a", "x1 // one", "yy // two", "b"),
		conflictAt: 2,
	}} {
		t.Run(c.name, func(t *testing.T) {
			got, err := splice(c.orig, c.printed, c.out)
			if c.conflictAt > 0 {
				sc, ok := err.(*spliceConflict)
				if !ok {
					t.Fatalf("got %q, %v; want a conflict", got, err)
				}
				if line := strings.Count(string(c.orig[:sc.at]), "\n") + 1; line != c.conflictAt {
					t.Errorf("conflict at line %d, want %d", line, c.conflictAt)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestSameCode(t *testing.T) {
	base := "package p\n\nimport (\n\t\"os\"\n\t\"fmt\"\n)\n\n// F does.\nfunc F() {\n\tfmt.Println(os.Args) // args\n}\n"
	for _, c := range []struct {
		name  string
		other string
		same  bool
	}{
		{"layout", "package p\nimport (\n\"os\"\n\"fmt\"\n)\n// F does.\nfunc F() { fmt.Println(os.Args); // args\n}\n", true},
		{"import order", strings.Replace(base, "\t\"os\"\n\t\"fmt\"", "\t\"fmt\"\n\t\"os\"", 1), true},
		{"doc comment text", strings.Replace(base, "// F does.", "// F  does.", 1), true},
		{"build line written by the printer", "//go:build x\n" + base, true},
		{"semicolons the printer adds before a }", strings.Replace(base, "\tfmt.Println(os.Args) // args\n}", "\tfmt.Println(os.Args) /* args */ }", 1), true},
		{"a token", strings.Replace(base, "os.Args", "os.Environ()", 1), false},
		{"an import", strings.Replace(base, "\t\"os\"\n", "\t\"os\"\n\t\"io\"\n", 1), false},
		{"a lost comment", strings.Replace(base, " // args", "", 1), false},
		{"a directive", strings.Replace(base, "// F does.", "//go:noinline", 1), false},
	} {
		if got := sameCode([]byte(base), []byte(c.other)); got != c.same {
			t.Errorf("%s: sameCode = %v, want %v", c.name, got, c.same)
		}
	}
}
