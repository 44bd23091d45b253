package gentest

import (
	"strings"
	"testing"
)

// FuzzScanDecls feeds arbitrary text to the comment scanner: it must never
// panic, and whatever it reports must point into the source: each
// declaration's keyword at its position, each leading comment made of the
// source's own comment lines.
func FuzzScanDecls(f *testing.F) {
	f.Add("// S.\nservice S {\n  // A.\n  rpc A (M) returns (M);\n}\n")
	f.Add("/* x */\nservice S { rpc A (M) returns (stream M) { option deprecated = true; } }")
	f.Add("option x = \"service\\\" {\";\nmessage rpc { string service = 1; }")
	f.Fuzz(func(t *testing.T, src string) {
		decls, err := scanDecls([]byte(src))
		if err != nil {
			return
		}
		lines := strings.Split(src, "\n")
		for _, d := range decls {
			if d.line >= len(lines) || d.col+len(d.kind) > len(lines[d.line]) || lines[d.line][d.col:d.col+len(d.kind)] != d.kind {
				t.Fatalf("decl %+v does not point at its keyword in %q", d, src)
			}
			for _, c := range strings.SplitAfter(d.leading, "\n") {
				if c != "" && !strings.Contains(src, "//"+strings.TrimSuffix(c, "\n")) {
					t.Fatalf("leading comment line %q of %+v is not in the source %q", c, d, src)
				}
			}
		}
	})
}
