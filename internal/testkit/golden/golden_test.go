package golden_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grpcwire/internal/testkit/golden"
)

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ got, want, says string }{
		{"a\nb\nc", "a\nb\nc", "no line differs"},
		{"a\nb \nc", "a\nb\nc", "first difference at line 2:\n got: \"b \"\nwant: \"b\""},
		{"a", "a\nb", "first difference at line 2:\n got: \"\"\nwant: \"b\""},
	} {
		if got := golden.FirstDiff(tc.got, tc.want); got != tc.says {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tc.got, tc.want, got, tc.says)
		}
	}
}

// recorder is a testing.TB that keeps its failures instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}

const doc = "# Title\n\n<!-- x:one -->\nold one\n<!-- /x -->\ntext\n<!-- x:two -->\ntwo\n<!-- /x -->\n<!-- y:one -->\nother kind\n<!-- /y -->\n"

// TestBlocks: current blocks pass; a stale one fails naming it, and with
// update is rewritten, other kinds and text untouched; an unknown or a
// missing block fails.
func TestBlocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	os.WriteFile(path, []byte(doc), 0o644)
	if got := golden.Block(t, path, "x", "two"); got != "two\n" {
		t.Errorf("Block = %q", got)
	}

	r := &recorder{TB: t}
	golden.Blocks(r, path, "x", map[string]string{"one": "old one\n", "two": "two\n"}, false, "rerun")
	if len(r.errs) != 0 {
		t.Errorf("current blocks failed: %q", r.errs)
	}
	r = &recorder{TB: t}
	golden.Blocks(r, path, "x", map[string]string{"one": "new one\n", "two": "two\n"}, false, "go test -update")
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "are stale") {
		t.Errorf("a stale block: %q", r.errs)
	}
	golden.Blocks(t, path, "x", map[string]string{"one": "new one\n", "two": "two\n"}, true, "")
	b, _ := os.ReadFile(path)
	if want := strings.Replace(doc, "old one", "new one", 1); string(b) != want {
		t.Errorf("after the update:\n%s\nwant:\n%s", b, want)
	}
	r = &recorder{TB: t}
	golden.Blocks(r, path, "x", map[string]string{"one": "new one\n", "three": "3\n"}, false, "")
	if len(r.errs) != 2 {
		t.Errorf("an unknown block (two) and a missing one (three): %q", r.errs)
	}
}
