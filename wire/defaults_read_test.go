package wire

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryDefaultIsRead: each default of defaults.go is read by the code
// it is the default of, somewhere in the module's non-test code: a default
// nobody reads is a claim about behaviour that nothing backs. (The
// SpecSuggested values are the spec's numbers, given for reference and
// for TestDefaults' relations, not defaults of ours.)
func TestEveryDefaultIsRead(t *testing.T) {
	fset := token.NewFileSet()
	defaults, err := parser.ParseFile(fset, "defaults.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == ".." {
				return nil
			}
			if d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inWire := f.Name.Name == "wire" && filepath.Base(filepath.Dir(path)) == "wire"
		if inWire && filepath.Base(path) == "defaults.go" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "wire" && !inWire {
					read[n.Sel.Name] = true
				}
			case *ast.Ident:
				if inWire {
					read[n.Name] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range defaults.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, id := range s.(*ast.ValueSpec).Names {
				if !id.IsExported() || strings.HasPrefix(id.Name, "SpecSuggested") {
					continue
				}
				n++
				if !read[id.Name] {
					t.Errorf("wire.%s is read by no code of the module: use it where its default applies, or remove it", id.Name)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no defaults found in defaults.go")
	}
}
