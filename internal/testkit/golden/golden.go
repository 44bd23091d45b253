// Package golden checks text that the repository keeps but the code makes:
// the README's blocks that tests regenerate (a trace, a command's session,
// what a program prints), so that what the README shows is what the
// programs print today; and it says where two texts first differ, for the
// failures of those checks and of whole-trace comparisons.
//
// The package is a test helper: it imports "testing" and is meant to be
// used only from _test.go files. It depends on the standard library only.
package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FirstDiff says where got and want first differ: the line's number and
// both lines, quoted so that white space shows; or that no line differs.
func FirstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("first difference at line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "no line differs"
}

// blockPattern matches the blocks of kind: <!-- KIND:NAME -->, a newline,
// the content, and <!-- /KIND -->.
func blockPattern(kind string) *regexp.Regexp {
	k := regexp.QuoteMeta(kind)
	return regexp.MustCompile("(?s)<!-- " + k + ":([a-z0-9-]+) -->\n(.*?)<!-- /" + k + " -->")
}

// Block returns the content of the block <!-- kind:name --> of the
// Markdown file at path, failing the test when there is none.
func Block(t testing.TB, path, kind, name string) string {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range blockPattern(kind).FindAllStringSubmatch(string(doc), -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("%s has no <!-- %s:%s --> ... <!-- /%s --> block", filepath.Clean(path), kind, name, kind)
	return ""
}

// Blocks checks the blocks of kind in the Markdown file at path: each
// <!-- KIND:NAME --> ... <!-- /KIND --> must hold exactly want[NAME], from
// the line after its opening marker to its closing marker, each NAME must be
// one of want's, and each of want's must have its block. Stale blocks fail
// the test with the first difference and rerun, the command that rewrites
// them; with update they are rewritten instead.
func Blocks(t testing.TB, path, kind string, want map[string]string, update bool, rerun string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := blockPattern(kind)
	seen := map[string]bool{}
	var stale []string
	out := re.ReplaceAllStringFunc(string(doc), func(m string) string {
		sub := re.FindStringSubmatch(m)
		name := sub[1]
		content, ok := want[name]
		if !ok {
			t.Errorf("%s: unknown block <!-- %s:%s -->", filepath.Clean(path), kind, name)
			return m
		}
		seen[name] = true
		if sub[2] != content {
			stale = append(stale, name)
		}
		return "<!-- " + kind + ":" + name + " -->\n" + content + "<!-- /" + kind + " -->"
	})
	var names []string
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !seen[name] {
			t.Errorf("%s has no <!-- %s:%s --> ... <!-- /%s --> block", filepath.Clean(path), kind, name, kind)
		}
	}
	if len(stale) == 0 {
		return
	}
	if update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the %s blocks %s of %s", kind, strings.Join(stale, ", "), filepath.Clean(path))
		return
	}
	t.Errorf("the %s blocks %s of %s are stale: the code prints something else now.\n"+
		"Check the difference, then run: %s\n%s",
		kind, strings.Join(stale, ", "), filepath.Clean(path), rerun, FirstDiff(string(doc), out))
}
