package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"grpcwire/internal/testkit/gentest"
)

// protocOrSkip returns protoc's path, or skips the test when it is missing:
// these tests check the golden test against the real compiler, and only a
// machine with protoc can run them.
func protocOrSkip(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc is not on PATH (Debian: apt-get install protobuf-compiler); TestGolden still checks the committed stubs without it")
	}
	return path
}

// protos lists the .proto files of goldens, relative to the repository root.
func protos() []string {
	var out []string
	for _, gf := range goldens {
		out = append(out, gf.file.Path())
	}
	return out
}

// TestProtocMatchesCommitted runs real protoc with protoc-gen-go and this
// plugin, both built from source, on every golden .proto file and compares
// every file they write with the committed one: the messages as well as the
// stubs. A protoc of another version than the committed headers name is
// tolerated on that header line only.
func TestProtocMatchesCommitted(t *testing.T) {
	protocOrSkip(t)
	if testing.Short() {
		t.Skip("builds two plugins; skipped with -short")
	}
	root := repoRoot(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plugins, err := gentest.BuildPlugins(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := gentest.Protoc(ctx, root, out, plugins, protos()...); err != nil {
		t.Fatal(err)
	}
	var written []string
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		written = append(written, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, gf := range goldens {
		if !slices.Contains(written, gf.stubs) {
			t.Errorf("protoc did not write %s; it wrote %v", gf.stubs, written)
		}
	}
	for _, name := range written {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("protoc wrote %s, which is not committed: %v", name, err)
			continue
		}
		if w, g := protocLineOf(want), protocLineOf(got); !bytes.Equal(w, g) {
			t.Logf("%s: the committed header says %q, this protoc %q; comparing the rest", name, w, g)
			got = bytes.Replace(got, g, w, 1)
		}
		if d := diffFirst(want, got); d != "" {
			t.Errorf("%s differs from protoc's output:\n%s\nRegenerate with: go run grpcwire/internal/testkit/gentest/regen %v", name, d, protos())
		}
	}
}

// protocLineOf returns the header line naming protoc's version, in either
// plugin's layout ("// - protoc  v3.21.12" or "// \tprotoc  v3.21.12").
func protocLineOf(src []byte) []byte {
	for line := range bytes.Lines(src) {
		t := bytes.TrimLeft(bytes.TrimPrefix(line, []byte("//")), " \t-")
		if bytes.HasPrefix(t, []byte("protoc ")) {
			return line
		}
		if !bytes.HasPrefix(line, []byte("//")) {
			break
		}
	}
	return nil
}

// TestSourceInfoMatchesProtoc checks the comment scanner the golden test
// relies on against protoc itself: for every service and rpc of every golden
// file, the leading comment gentest.SourceInfo rebuilds is the one protoc
// records with --include_source_info.
func TestSourceInfoMatchesProtoc(t *testing.T) {
	protocOrSkip(t)
	root := repoRoot(t)
	set := filepath.Join(t.TempDir(), "set.pb")
	args := append([]string{"-I" + root, "--include_source_info", "--descriptor_set_out=" + set}, protos()...)
	if msg, err := exec.Command("protoc", args...).CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(set)
	if err != nil {
		t.Fatal(err)
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(data, &fds); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, fromProtoc := range fds.GetFile() {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(fromProtoc.GetName())))
		if err != nil {
			t.Fatal(err)
		}
		ours, err := gentest.SourceInfo(src, fromProtoc)
		if err != nil {
			t.Fatal(err)
		}
		oursByPath := leadingByPath(ours)
		for _, loc := range fromProtoc.GetSourceCodeInfo().GetLocation() {
			if !isServiceOrMethodPath(loc.GetPath()) {
				continue
			}
			checked++
			key := fmt.Sprint(loc.GetPath())
			got, ok := oursByPath[key]
			if !ok {
				t.Errorf("%s path %s: the scanner found no declaration where protoc has one", fromProtoc.GetName(), key)
			} else if want := loc.GetLeadingComments(); got != want {
				t.Errorf("%s path %s: the scanner found leading comment %q, protoc %q", fromProtoc.GetName(), key, got, want)
			}
			delete(oursByPath, key)
		}
		for key := range oursByPath {
			t.Errorf("%s path %s: the scanner found a declaration protoc does not have", fromProtoc.GetName(), key)
		}
		// The golden test hands the rebuilt locations to protodesc too.
		withOurs := proto.CloneOf(fromProtoc)
		withOurs.SourceCodeInfo = ours
		if _, err := protodesc.NewFile(withOurs, protoregistry.GlobalFiles); err != nil {
			t.Errorf("%s: protodesc rejects the rebuilt SourceCodeInfo: %v", fromProtoc.GetName(), err)
		}
	}
	if checked == 0 {
		t.Fatal("no service or rpc locations were compared")
	}
}

// leadingByPath maps each location's path, formatted with fmt.Sprint, to
// its leading comment.
func leadingByPath(info *descriptorpb.SourceCodeInfo) map[string]string {
	out := make(map[string]string)
	for _, loc := range info.GetLocation() {
		out[fmt.Sprint(loc.GetPath())] = loc.GetLeadingComments()
	}
	return out
}

// isServiceOrMethodPath reports whether a location path is a service's
// [6, i] or an rpc's [6, i, 2, j].
func isServiceOrMethodPath(p []int32) bool {
	return len(p) == 2 && p[0] == 6 || len(p) == 4 && p[0] == 6 && p[2] == 2
}
