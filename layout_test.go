package grpcwire

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// backticked matches a `code span` of a Markdown table row.
var backticked = regexp.MustCompile("`([^`]+)`")

// TestLayoutTable: the README's layout table names every directory of the
// three modules that holds Go files, so that a reader can find every
// package from it. A directory is named when a row's first column gives
// its path (`client/`), or when a row whose first column gives a parent's
// path names the rest of the path anywhere in the row (the cmd/grpcwire
// row's `internal/check`, the test kits' `h2test`); the root directory is
// the row of `go.mod`, whose package it documents.
func TestLayoutTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no ## Layout section")
	}
	if i := strings.Index(table, "\n## "); i >= 0 {
		table = table[:i]
	}
	type row struct {
		paths []string // the first column's paths, without a trailing "/"
		spans []string // every code span of the row
	}
	var rows []row
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 || !strings.HasPrefix(line, "|") {
			continue
		}
		var r row
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			r.paths = append(r.paths, strings.TrimSuffix(m[1], "/"))
		}
		for _, m := range backticked.FindAllStringSubmatch(line, -1) {
			r.spans = append(r.spans, strings.TrimSuffix(m[1], "/"))
		}
		rows = append(rows, r)
	}
	if len(rows) < 10 {
		t.Fatalf("found %d rows in the README's layout table", len(rows))
	}
	named := func(dir string) bool {
		if dir == "." {
			dir = "go.mod"
		}
		for _, r := range rows {
			for _, p := range r.paths {
				if p == dir {
					return true
				}
				rest, ok := strings.CutPrefix(dir, p+"/")
				if ok && slices.Contains(r.spans, rest) {
					return true
				}
			}
		}
		return false
	}
	var dirs []string
	for _, f := range goFiles(t, ".") {
		d := filepath.ToSlash(filepath.Dir(f))
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) < 20 {
		t.Fatalf("found only %d directories of Go files: %q", len(dirs), dirs)
	}
	for _, d := range dirs {
		if !named(d) {
			t.Errorf("the README's layout table does not name %s/: give it a row, or name its path below a parent in the parent's row (`%s` in the row of %s/)", d, path.Base(d), path.Dir(d))
		}
	}
}
