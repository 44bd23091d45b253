package benchpb_test

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

	"grpcwire/conformance/benchpb"
	"grpcwire/conformance/benchpb/benchgrpc"
	"grpcwire/server"
)

// TestStubsMatchDescriptor checks, without protoc, that grpc-go's stubs and
// grpcwire's stubs describe the service of the committed descriptor: the
// same methods at the same paths with the same streaming on each side.
func TestStubsMatchDescriptor(t *testing.T) {
	sd := benchpb.File_bench_proto.Services().ByName("Bench")
	if sd == nil {
		t.Fatal("bench.proto has no service Bench")
	}
	goMethods := map[string]grpc.StreamDesc{}
	for _, m := range benchgrpc.Bench_ServiceDesc.Methods {
		goMethods[m.MethodName] = grpc.StreamDesc{StreamName: m.MethodName}
	}
	for _, s := range benchgrpc.Bench_ServiceDesc.Streams {
		goMethods[s.StreamName] = s
	}
	if benchgrpc.Bench_ServiceDesc.ServiceName != string(sd.FullName()) || benchpb.Bench_ServiceName != string(sd.FullName()) {
		t.Errorf("service names %q and %q, want %q", benchgrpc.Bench_ServiceDesc.ServiceName, benchpb.Bench_ServiceName, sd.FullName())
	}
	s := server.New()
	benchpb.RegisterBenchServer(s, benchpb.UnimplementedBenchServer{})
	wireMethods := map[string]server.MethodDesc{}
	for _, svc := range s.Services() {
		for _, m := range svc.Methods {
			wireMethods[m.Name] = m
		}
	}
	paths := map[string][2]string{
		"Unary":        {benchpb.Bench_Unary_FullMethodName, benchgrpc.Bench_Unary_FullMethodName},
		"ServerStream": {benchpb.Bench_ServerStream_FullMethodName, benchgrpc.Bench_ServerStream_FullMethodName},
		"ClientStream": {benchpb.Bench_ClientStream_FullMethodName, benchgrpc.Bench_ClientStream_FullMethodName},
		"Bidi":         {benchpb.Bench_Bidi_FullMethodName, benchgrpc.Bench_Bidi_FullMethodName},
	}
	if n := sd.Methods().Len(); n != len(goMethods) || n != len(wireMethods) || n != len(paths) {
		t.Fatalf("descriptor has %d methods, grpc-go stubs %d, grpcwire stubs %d, this test %d", n, len(goMethods), len(wireMethods), len(paths))
	}
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		name := string(md.Name())
		want := "/" + string(sd.FullName()) + "/" + name
		if p := paths[name]; p[0] != want || p[1] != want {
			t.Errorf("%s: paths %q, want %q", name, p, want)
		}
		gm, ok := goMethods[name]
		if !ok || gm.ClientStreams != md.IsStreamingClient() || gm.ServerStreams != md.IsStreamingServer() {
			t.Errorf("%s: grpc-go stub streams client=%v server=%v, descriptor %v %v", name, gm.ClientStreams, gm.ServerStreams, md.IsStreamingClient(), md.IsStreamingServer())
		}
		wm, ok := wireMethods[name]
		if !ok || wm.Kind.ClientStreams() != md.IsStreamingClient() || wm.Kind.ServerStreams() != md.IsStreamingServer() {
			t.Errorf("%s: grpcwire stub is %v, descriptor streams client=%v server=%v", name, wm.Kind, md.IsStreamingClient(), md.IsStreamingServer())
		}
	}
}

// generatedFiles are the committed outputs of go generate.
var generatedFiles = []string{"bench_messages.pb.go", "bench.pb.go", "bench_grpcwire.pb.go", "benchgrpc/bench_grpc.pb.go"}

// protocVersionLine names protoc's version, which may differ between
// machines without changing the code.
var protocVersionLine = regexp.MustCompile(`(?m)^// (- )?protoc +v.*$`)

// TestGeneratedCurrent regenerates the code as generate.go does and
// compares it with the committed files; it skips without protoc.
func TestGeneratedCurrent(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc is not on PATH (Debian: apt-get install protobuf-compiler); TestStubsMatchDescriptor still checks the stubs")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	plugins, out := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "benchgrpc"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) {
		t.Helper()
		if b, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, b)
		}
	}
	run("go", "build", "-o", plugins+string(filepath.Separator),
		"google.golang.org/protobuf/cmd/protoc-gen-go", "google.golang.org/grpc/cmd/protoc-gen-go-grpc", "grpcwire/cmd/protoc-gen-go-grpcwire")
	plugin := func(name string) string { return "--plugin=" + name + "=" + filepath.Join(plugins, name) }
	run(protoc, "-I.", plugin("protoc-gen-go"), "--go_out="+out, "--go_opt=paths=source_relative", "bench_messages.proto", "bench.proto")
	run(protoc, "-I.", plugin("protoc-gen-go-grpcwire"), "--go-grpcwire_out="+out, "--go-grpcwire_opt=paths=source_relative", "bench.proto")
	run(protoc, "-I.", plugin("protoc-gen-go-grpc"), "--go-grpc_out="+filepath.Join(out, "benchgrpc"), "--go-grpc_opt=paths=source_relative",
		"--go-grpc_opt=Mbench.proto=grpcwire/conformance/benchpb/benchgrpc;benchgrpc", "bench.proto")
	for _, f := range generatedFiles {
		want, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(protocVersionLine.ReplaceAll(got, nil), protocVersionLine.ReplaceAll(want, nil)) {
			t.Errorf("%s is stale: run go generate in conformance/benchpb", f)
		}
	}
}
