package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"

	"grpcwire/cmd/protoc-gen-go-grpcwire/internal/testpb"
	"grpcwire/filespb"
	"grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/gentest"
	"grpcwire/interop/grpc_testing"
	"grpcwire/reflection/grpc_reflection_v1"
	"grpcwire/reflection/grpc_reflection_v1alpha"
	"grpcwire/userspb"
)

// goldens lists every .proto file whose stubs are committed. The descriptor
// is the one embedded in the generated messages package; its .proto source is
// read from the descriptor's path relative to the repository root (protoc
// runs with -I at the root); stubs is the committed _grpcwire.pb.go, relative
// to the repository root. To add a file, add a line here and run
//
//	go run grpcwire/internal/testkit/gentest/regen path/to/file.proto
var goldens = []struct {
	file  protoreflect.FileDescriptor
	stubs string
}{
	{userspb.File_users_proto, "userspb/users_grpcwire.pb.go"},
	{testpb.File_cmd_protoc_gen_go_grpcwire_internal_testpb_kinds_proto, "cmd/protoc-gen-go-grpcwire/internal/testpb/kinds_grpcwire.pb.go"},
	{grpc_testing.File_interop_grpc_testing_test_proto, "interop/grpc_testing/test_grpcwire.pb.go"},
	{grpc_health_v1.File_health_grpc_health_v1_health_proto, "health/grpc_health_v1/health_grpcwire.pb.go"},
	{grpc_reflection_v1.File_reflection_grpc_reflection_v1_reflection_proto, "reflection/grpc_reflection_v1/reflection_grpcwire.pb.go"},
	{grpc_reflection_v1alpha.File_reflection_grpc_reflection_v1alpha_reflection_proto, "reflection/grpc_reflection_v1alpha/reflection_grpcwire.pb.go"},
	{filespb.File_files_proto, "filespb/files_grpcwire.pb.go"},
}

// update rewrites the committed stubs instead of comparing them. It needs no
// protoc, but the messages (.pb.go) are not rewritten: use regen for those.
var update = flag.Bool("update", false, "rewrite the committed _grpcwire.pb.go files from the embedded descriptors")

// regenCommand is the command a failure message tells the reader to run.
func regenCommand(protoPath string) string {
	return "go run grpcwire/internal/testkit/gentest/regen " + protoPath +
		" (needs protoc), or go test ./cmd/protoc-gen-go-grpcwire -run TestGolden -update"
}

// TestGolden fails when a committed _grpcwire.pb.go differs from what the
// plugin generates now from the same descriptor, so a change to the
// generator cannot land without regenerating, and no protoc is needed to
// check it.
func TestGolden(t *testing.T) {
	root := repoRoot(t)
	for _, gf := range goldens {
		t.Run(gf.file.Path(), func(t *testing.T) {
			committedPath := filepath.Join(root, filepath.FromSlash(gf.stubs))
			committed, err := os.ReadFile(committedPath)
			if err != nil && !*update {
				t.Fatalf("read committed stubs: %v; generate them with %s", err, regenCommand(gf.file.Path()))
			}
			version, err := committedProtocVersion(committed)
			if err != nil && !*update {
				t.Fatalf("%s: %v", gf.stubs, err)
			}
			req := requestFor(t, root, gf.file, version, "module="+gentest.ModulePath)
			out := generate(t, req)
			if len(out) != 1 {
				t.Fatalf("the plugin wrote %d files (%v), want exactly %s", len(out), keys(out), gf.stubs)
			}
			got, ok := out[gf.stubs]
			if !ok {
				t.Fatalf("the plugin wrote %v, want %s: the committed path does not match the file's go_package", keys(out), gf.stubs)
			}
			if *update {
				if err := os.WriteFile(committedPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if d := diffFirst(committed, got); d != "" {
				t.Errorf("%s is stale: it differs from what the plugin generates now.\n%s\nRegenerate it with: %s", gf.stubs, d, regenCommand(gf.file.Path()))
			}
		})
	}
}

// TestGoldenDetectsChange proves TestGolden is not vacuous: the comparison it
// relies on reports a one-byte change to the committed output, and names
// the line.
func TestGoldenDetectsChange(t *testing.T) {
	root := repoRoot(t)
	committed, err := os.ReadFile(filepath.Join(root, "userspb", "users_grpcwire.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	version, err := committedProtocVersion(committed)
	if err != nil {
		t.Fatal(err)
	}
	got := generate(t, requestFor(t, root, userspb.File_users_proto, version, "module=grpcwire"))["userspb/users_grpcwire.pb.go"]
	if d := diffFirst(committed, got); d != "" {
		t.Fatalf("precondition: committed users stubs are stale:\n%s", d)
	}
	at := bytes.Index(committed, []byte(`"/users.Users/CreateUser"`)) + 2
	line := bytes.Count(committed[:at], []byte("\n")) + 1
	mutated := bytes.Clone(committed)
	mutated[at] ^= 0x20 // "u" becomes "U"
	d := diffFirst(mutated, got)
	if d == "" {
		t.Fatal("a one-byte change to the expected output was not reported")
	}
	if want := fmt.Sprintf("line %d", line); !strings.Contains(d, want) {
		t.Errorf("the report does not name %s:\n%s", want, d)
	}
	if !strings.Contains(d, `-	Users_CreateUser_FullMethodName = "/Users.Users/CreateUser"`) {
		t.Errorf("the report does not show the expected line:\n%s", d)
	}
}

// TestNoServicesNoOutput checks that a file without services yields no file
// at all, rather than an empty one that would not compile.
func TestNoServicesNoOutput(t *testing.T) {
	fd := descriptorpb.File_google_protobuf_descriptor_proto
	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate: []string{fd.Path()},
		ProtoFile:      []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(fd)},
	}
	if out := generate(t, req); len(out) != 0 {
		t.Errorf("a file without services produced %v", keys(out))
	}
}

// TestPathsSourceRelative checks that protogen's paths=source_relative
// option applies: the stubs land beside the .proto file.
func TestPathsSourceRelative(t *testing.T) {
	root := repoRoot(t)
	out := generate(t, requestFor(t, root, userspb.File_users_proto, nil, "paths=source_relative"))
	if _, ok := out["users_grpcwire.pb.go"]; !ok || len(out) != 1 {
		t.Errorf("paths=source_relative wrote %v, want [users_grpcwire.pb.go]", keys(out))
	}
	out = generate(t, requestFor(t, root, userspb.File_users_proto, nil, ""))
	if _, ok := out["grpcwire/userspb/users_grpcwire.pb.go"]; !ok || len(out) != 1 {
		t.Errorf("the default (paths=import) wrote %v, want [grpcwire/userspb/users_grpcwire.pb.go]", keys(out))
	}
}

// TestProtocVersion walks protoc-gen-go's spellings of the compiler version.
func TestProtocVersion(t *testing.T) {
	for _, tc := range []struct {
		v    *pluginpb.Version
		want string
	}{
		{nil, "(unknown)"},
		{&pluginpb.Version{Major: proto.Int32(3), Minor: proto.Int32(21), Patch: proto.Int32(12)}, "v3.21.12"},
		{&pluginpb.Version{Major: proto.Int32(4), Minor: proto.Int32(0), Patch: proto.Int32(0), Suffix: proto.String("rc1")}, "v4.0.0-rc1"},
	} {
		gen, err := protogen.Options{}.New(&pluginpb.CodeGeneratorRequest{CompilerVersion: tc.v})
		if err != nil {
			t.Fatal(err)
		}
		if got := protocVersion(gen); got != tc.want {
			t.Errorf("protocVersion(%v) = %q, want %q", tc.v, got, tc.want)
		}
		if tc.v != nil {
			// The golden test reads the version back from the header.
			back, err := committedProtocVersion([]byte("// - protoc                 " + tc.want + "\n"))
			if err != nil || !proto.Equal(back, tc.v) {
				t.Errorf("committedProtocVersion(%q) = %v, %v; want %v", tc.want, back, err, tc.v)
			}
		}
	}
}

// TestDiffFirst checks the failure report's shape: nothing for equal inputs;
// otherwise the first differing line's number, its context, and - and + lines.
func TestDiffFirst(t *testing.T) {
	for _, tc := range []struct {
		name, want, got string
		report          []string // substrings the report must hold; nil means no report
	}{
		{"equal", "a\nb\n", "a\nb\n", nil},
		{"changed line", "a\nb\nc\n", "a\nB\nc\n", []string{"line 2", "  a", "-b", "+B", "  c"}},
		{"missing tail", "a\nb\n", "a\n", []string{"line 2", "-b"}},
		{"extra tail", "a\n", "a\nb\n", []string{"line 2", "+b"}},
		{"no final newline", "a\n", "a", []string{"line 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := diffFirst([]byte(tc.want), []byte(tc.got))
			if tc.report == nil {
				if d != "" {
					t.Errorf("report for equal inputs: %q", d)
				}
				return
			}
			for _, s := range tc.report {
				if !strings.Contains(d, s) {
					t.Errorf("report lacks %q:\n%s", s, d)
				}
			}
		})
	}
}

// repoRoot is the repository root, where .proto paths and committed paths
// are relative to.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := gentest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// requestFor builds the CodeGeneratorRequest protoc would send for fd: fd and
// every file it imports, dependencies first, with fd's service and rpc
// comments rebuilt from its .proto source under root.
func requestFor(t *testing.T, root string, fd protoreflect.FileDescriptor, version *pluginpb.Version, param string) *pluginpb.CodeGeneratorRequest {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(fd.Path())))
	if err != nil {
		t.Fatalf("read the .proto source of %s (its descriptor path, relative to the repository root): %v", fd.Path(), err)
	}
	fdp := protodesc.ToFileDescriptorProto(fd)
	fdp.SourceCodeInfo, err = gentest.SourceInfo(src, fdp)
	if err != nil {
		t.Fatal(err)
	}
	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate:  []string{fd.Path()},
		CompilerVersion: version,
	}
	if param != "" {
		req.Parameter = proto.String(param)
	}
	seen := map[string]bool{}
	var add func(f protoreflect.FileDescriptor)
	add = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] {
			return
		}
		seen[f.Path()] = true
		for i := range f.Imports().Len() {
			add(f.Imports().Get(i).FileDescriptor)
		}
		if f.Path() == fd.Path() {
			req.ProtoFile = append(req.ProtoFile, fdp)
		} else {
			req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(f))
		}
	}
	add(fd)
	return req
}

// generate runs the plugin in-process on req and returns the files it wrote
// by name.
func generate(t *testing.T, req *pluginpb.CodeGeneratorRequest) map[string][]byte {
	t.Helper()
	gen, err := protogen.Options{}.New(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(gen); err != nil {
		t.Fatal(err)
	}
	resp := gen.Response()
	if resp.Error != nil {
		t.Fatalf("the plugin failed: %s", resp.GetError())
	}
	out := make(map[string][]byte)
	for _, f := range resp.File {
		out[f.GetName()] = []byte(f.GetContent())
	}
	return out
}

// protocLine matches the header line that records protoc's version.
var protocLine = regexp.MustCompile(`(?m)^// - protoc +(\S+)$`)

// protocVersionRE parses protocVersion's output back.
var protocVersionRE = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(?:-(.+))?$`)

// committedProtocVersion reads the protoc version a committed file's header
// records, so the request built here reproduces that header exactly. It
// returns nil for "(unknown)".
func committedProtocVersion(src []byte) (*pluginpb.Version, error) {
	m := protocLine.FindSubmatch(src)
	if m == nil {
		return nil, fmt.Errorf("no %q line in the header", "// - protoc vX.Y.Z")
	}
	if string(m[1]) == "(unknown)" {
		return nil, nil
	}
	v := protocVersionRE.FindStringSubmatch(string(m[1]))
	if v == nil {
		return nil, fmt.Errorf("protoc version %q in the header is not vMAJOR.MINOR.PATCH[-SUFFIX]", m[1])
	}
	num := func(s string) *int32 {
		n, _ := strconv.Atoi(s)
		return proto.Int32(int32(n))
	}
	out := &pluginpb.Version{Major: num(v[1]), Minor: num(v[2]), Patch: num(v[3])}
	if v[4] != "" {
		out.Suffix = proto.String(v[4])
	}
	return out, nil
}

// diffContext and diffMax bound a diffFirst report: lines of context before
// the first difference, and differing lines shown from each side.
const (
	diffContext = 3
	diffMax     = 8
)

// diffFirst returns "" when want and got are equal, else a unified-style
// report of the first difference: its line number, a few lines of context,
// then want's lines as "-" and got's as "+" until the two agree again, then
// a few lines where they agree.
func diffFirst(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	w, g := lines(want), lines(got)
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	// Resynchronize on the next line both sides share, within diffMax.
	wEnd, gEnd := min(i+diffMax, len(w)), min(i+diffMax, len(g))
found:
	for a := i; a < min(i+diffMax, len(w)); a++ {
		for b := i; b < min(i+diffMax, len(g)); b++ {
			if w[a] == g[b] {
				wEnd, gEnd = a, b
				break found
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (- committed, + generated now):\n", i+1)
	for _, l := range w[max(0, i-diffContext):i] {
		b.WriteString("  " + showLine(l))
	}
	for _, l := range w[i:wEnd] {
		b.WriteString("-" + showLine(l))
	}
	for _, l := range g[i:gEnd] {
		b.WriteString("+" + showLine(l))
	}
	for _, l := range w[wEnd:min(wEnd+diffContext, len(w))] {
		b.WriteString("  " + showLine(l))
	}
	return b.String()
}

// lines splits b after each newline, with no empty last element.
func lines(b []byte) []string {
	l := strings.SplitAfter(string(b), "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// showLine ends a report line with a newline, marking a last line that had
// none, so a missing final newline is visible.
func showLine(l string) string {
	if strings.HasSuffix(l, "\n") {
		return l
	}
	return l + "\\ no newline at end of file\n"
}

// keys lists a map's names, for messages.
func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestEveryStubFileIsGolden makes "every committed stub file is current"
// hold for files added later too: each *_grpcwire.pb.go in the root module
// must be listed in goldens, or TestGolden would silently skip it.
func TestEveryStubFileIsGolden(t *testing.T) {
	root := repoRoot(t)
	listed := map[string]bool{}
	for _, gf := range goldens {
		listed[gf.stubs] = true
	}
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// Other modules (conformance) and hidden or testdata trees are
			// not the root module's packages.
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), fileSuffix) {
			return nil
		}
		found++
		rel, _ := filepath.Rel(root, path)
		if rel = filepath.ToSlash(rel); !listed[rel] {
			t.Errorf("%s is not in goldens (golden_test.go): add its descriptor and path so TestGolden keeps it current", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < len(goldens) {
		t.Errorf("found %d stub files under %s, fewer than the %d goldens", found, root, len(goldens))
	}
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
