package filesgrpc_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"google.golang.org/grpc"

	"grpcwire/conformance/filesgrpc"
	"grpcwire/filespb"
	"grpcwire/server"
)

// TestStubsMatchDescriptor checks, without protoc, that grpc-go's stubs and
// grpcwire's describe the service of the committed descriptor: the same
// methods, with the same streaming on each side, at the same paths.
func TestStubsMatchDescriptor(t *testing.T) {
	sd := filespb.File_files_proto.Services().ByName("Files")
	if filesgrpc.Files_ServiceDesc.ServiceName != string(sd.FullName()) {
		t.Errorf("grpc-go's service name %q, want %q", filesgrpc.Files_ServiceDesc.ServiceName, sd.FullName())
	}
	goMethods := map[string]grpc.StreamDesc{}
	for _, m := range filesgrpc.Files_ServiceDesc.Methods {
		goMethods[m.MethodName] = grpc.StreamDesc{StreamName: m.MethodName}
	}
	for _, s := range filesgrpc.Files_ServiceDesc.Streams {
		goMethods[s.StreamName] = s
	}
	s := server.New()
	filespb.RegisterFilesServer(s, filespb.UnimplementedFilesServer{})
	wireMethods := map[string]server.MethodDesc{}
	for _, svc := range s.Services() {
		for _, m := range svc.Methods {
			wireMethods[m.Name] = m
		}
	}
	paths := map[string][2]string{
		"Upload":   {filespb.Files_Upload_FullMethodName, filesgrpc.Files_Upload_FullMethodName},
		"Download": {filespb.Files_Download_FullMethodName, filesgrpc.Files_Download_FullMethodName},
		"List":     {filespb.Files_List_FullMethodName, filesgrpc.Files_List_FullMethodName},
		"Stat":     {filespb.Files_Stat_FullMethodName, filesgrpc.Files_Stat_FullMethodName},
	}
	if n := sd.Methods().Len(); n != len(goMethods) || n != len(wireMethods) || n != len(paths) {
		t.Fatalf("descriptor has %d methods, grpc-go stubs %d, grpcwire stubs %d", n, len(goMethods), len(wireMethods))
	}
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		name := string(md.Name())
		path := "/" + string(sd.FullName()) + "/" + name
		if p := paths[name]; p[0] != path || p[1] != path {
			t.Errorf("%s: grpcwire path %q, grpc-go path %q, want %q", name, p[0], p[1], path)
		}
		gm := goMethods[name]
		if gm.ClientStreams != md.IsStreamingClient() || gm.ServerStreams != md.IsStreamingServer() {
			t.Errorf("%s: grpc-go stub streams client=%v server=%v, descriptor %v %v", name, gm.ClientStreams, gm.ServerStreams, md.IsStreamingClient(), md.IsStreamingServer())
		}
		wm := wireMethods[name]
		if wm.Kind.ClientStreams() != md.IsStreamingClient() || wm.Kind.ServerStreams() != md.IsStreamingServer() {
			t.Errorf("%s: grpcwire stub is %v, descriptor streams client=%v server=%v", name, wm.Kind, md.IsStreamingClient(), md.IsStreamingServer())
		}
	}
}

// protocVersionLine is the line of a generated header that names protoc's
// version, which may differ between machines without changing the code.
var protocVersionLine = regexp.MustCompile(`(?m)^// (- )?protoc +v.*$`)

// TestGeneratedCurrent regenerates files_grpc.pb.go as generate.go does,
// into a temporary directory, and compares it with the committed file. It
// needs protoc, and skips without it; TestStubsMatchDescriptor still
// checks the stubs.
func TestGeneratedCurrent(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc is not on PATH (Debian: apt-get install protobuf-compiler); TestStubsMatchDescriptor still checks the stubs")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	plugins, out := t.TempDir(), t.TempDir()
	run(t, ctx, "go", "build", "-o", plugins+string(filepath.Separator), "google.golang.org/grpc/cmd/protoc-gen-go-grpc")
	run(t, ctx, protoc, "-I../..", "--plugin=protoc-gen-go-grpc="+filepath.Join(plugins, "protoc-gen-go-grpc"),
		"--go-grpc_out="+out, "--go-grpc_opt=paths=source_relative",
		"--go-grpc_opt=Mfiles.proto=grpcwire/conformance/filesgrpc;filesgrpc", "files.proto")
	want, err := os.ReadFile(filepath.Join(out, "files_grpc.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("files_grpc.pb.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(protocVersionLine.ReplaceAll(got, nil), protocVersionLine.ReplaceAll(want, nil)) {
		t.Error("files_grpc.pb.go is stale: run go generate in conformance/filesgrpc")
	}
}

func run(t *testing.T, ctx context.Context, name string, args ...string) {
	t.Helper()
	if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
