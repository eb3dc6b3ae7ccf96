package engine

import "testing"

// TestLineEnds: a fix keeps each line's end as it was; the lines it writes
// take the end of the line they replace (or, at the end, of the last
// line), so one CRLF line in an LF file stays one, and the reverse.
func TestLineEnds(t *testing.T) {
	cases := []struct {
		name, src, fixedLF, want string
	}{
		{"one CRLF line in LF",
			"package p\r\n\nfunc f() {\n\tx()\n}\n",
			"package p\n\nfunc f() {\n\ty()\n\tz()\n}\n",
			"package p\r\n\nfunc f() {\n\ty()\n\tz()\n}\n"},
		{"the CRLF line is the one replaced",
			"package p\n\nfunc f() {\n\tx()\r\n}\n",
			"package p\n\nfunc f() {\n\ty()\n\tz()\n}\n",
			"package p\n\nfunc f() {\n\ty()\r\n\tz()\r\n}\n"},
		{"one LF line in CRLF",
			"package p\r\n\r\nfunc f() {\n\tx()\r\n}\r\n",
			"package p\n\nfunc f() {\n\tx()\n\tz()\n}\n",
			"package p\r\n\r\nfunc f() {\n\tx()\r\n\tz()\r\n}\r\n"},
		{"all CRLF, no final newline",
			"package p\r\n\r\nfunc f() {\r\n\tx()\r\n}",
			"package p\n\nfunc f() {\n\ty()\n}\n",
			"package p\r\n\r\nfunc f() {\r\n\ty()\r\n}"},
		{"byte-order mark, all LF",
			"\ufeffpackage p\n\nfunc f() {\n\tx()\n}\n",
			"package p\n\nfunc f() {\n\ty()\n}\n",
			"\ufeffpackage p\n\nfunc f() {\n\ty()\n}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lf, sh := normalize([]byte(c.src))
			if got := string(sh.apply(lf, lf)); got != c.src {
				t.Errorf("unchanged: %q, want the source %q", got, c.src)
			}
			if got := string(sh.apply(lf, []byte(c.fixedLF))); got != c.want {
				t.Errorf("fixed:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}
