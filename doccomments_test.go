package grpcwire

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestDocComments: every exported name of the repository's three modules
// (this one, conformance and cmd/grpcwire, all below this directory) has a
// doc comment written as a full sentence: it starts with a capital letter
// (as the name it usually begins with does) and ends with a period, or
// with a list or code block that a sentence introduced. Exported names are
// the package-level constants, variables, types and functions whose names
// are exported, and the exported methods of exported types, as golint and
// revive's "exported" rule count them (struct fields and interface methods
// are described by their type's comment, and often by a short note of
// their own). A constant or variable inside a parenthesized group may
// share the group's comment.
// Main packages (nothing outside imports them), _test.go files and
// generated files ("Code generated ... DO NOT EDIT.") are left out.
func TestDocComments(t *testing.T) {
	var checked int
	for _, p := range goFiles(t, ".") {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ParseComments)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if f.Name.Name == "main" || ast.IsGenerated(f) {
			continue
		}
		for _, m := range undocumented(f) {
			t.Errorf("%s: %s", p, m)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("only %d files checked; the walk missed the packages", checked)
	}
}

// undocumented lists the exported names of f whose doc comment is missing
// or is not a full sentence.
func undocumented(f *ast.File) []string {
	var out []string
	check := func(name string, docs ...*ast.CommentGroup) {
		for _, d := range docs {
			if d != nil && strings.TrimSpace(d.Text()) != "" {
				if why := notSentence(d.Text()); why != "" {
					out = append(out, name+": the doc comment "+why)
				}
				return
			}
		}
		out = append(out, name+" has no doc comment")
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			name := d.Name.Name
			if d.Recv != nil {
				recv := receiverType(d.Recv.List[0].Type)
				if !ast.IsExported(recv) {
					continue
				}
				name = recv + "." + name
			}
			check(name, d.Doc)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						check(s.Name.Name, s.Doc, d.Doc)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							check(n.Name, s.Doc, d.Doc)
						}
					}
				}
			}
		}
	}
	return out
}

// receiverType is the name of a method's receiver type, without pointer
// or type parameters.
func receiverType(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return receiverType(x.X)
	case *ast.IndexExpr:
		return receiverType(x.X)
	case *ast.IndexListExpr:
		return receiverType(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// notSentence says why a doc comment's text is not written as a full
// sentence, or "" when it is.
func notSentence(text string) string {
	text = strings.TrimSpace(text)
	first, _ := utf8First(text)
	if !unicode.IsUpper(first) && !unicode.IsDigit(first) {
		return "does not start with a capital letter: " + firstLine(text)
	}
	lines := strings.Split(text, "\n")
	last := lines[len(lines)-1]
	if strings.HasPrefix(last, " ") || strings.HasPrefix(last, "\t") {
		return "" // a code block or list, introduced by the text before it
	}
	if !strings.HasSuffix(strings.TrimRight(last, `)"'`), ".") && !strings.HasSuffix(last, ":") {
		return "does not end with a period: ..." + last
	}
	return ""
}

// utf8First is the first rune of s.
func utf8First(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

// firstLine is the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// goFiles lists the .go files below root, leaving out testdata, hidden
// directories and vendor directories, as the go command does.
func goFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .go files below %s", root)
	}
	return files
}
