package echopb_test

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

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/server"
)

// TestStubsMatchDescriptor checks, without protoc, that grpc-go's stubs and
// grpcwire's stubs describe the service of the committed descriptor: the
// same methods, with the same streaming on each side, at the same paths.
func TestStubsMatchDescriptor(t *testing.T) {
	sd := echopb.File_echo_proto.Services().ByName("Echo")
	if sd == nil {
		t.Fatal("echo.proto has no service Echo")
	}
	goMethods := map[string]grpc.StreamDesc{}
	for _, m := range echogrpc.Echo_ServiceDesc.Methods {
		goMethods[m.MethodName] = grpc.StreamDesc{StreamName: m.MethodName}
	}
	for _, s := range echogrpc.Echo_ServiceDesc.Streams {
		goMethods[s.StreamName] = s
	}
	if echogrpc.Echo_ServiceDesc.ServiceName != string(sd.FullName()) {
		t.Errorf("grpc-go's service name %q, want %q", echogrpc.Echo_ServiceDesc.ServiceName, sd.FullName())
	}

	s := server.New()
	echopb.RegisterEchoServer(s, echopb.UnimplementedEchoServer{})
	wireMethods := map[string]server.MethodDesc{}
	for _, svc := range s.Services() {
		if svc.Name != string(sd.FullName()) {
			t.Errorf("grpcwire registered service %q, want %q", svc.Name, sd.FullName())
		}
		for _, m := range svc.Methods {
			wireMethods[m.Name] = m
		}
	}

	wirePaths := map[string]string{
		"Unary":        echopb.Echo_Unary_FullMethodName,
		"ServerStream": echopb.Echo_ServerStream_FullMethodName,
		"ClientStream": echopb.Echo_ClientStream_FullMethodName,
		"Bidi":         echopb.Echo_Bidi_FullMethodName,
	}
	goPaths := map[string]string{
		"Unary":        echogrpc.Echo_Unary_FullMethodName,
		"ServerStream": echogrpc.Echo_ServerStream_FullMethodName,
		"ClientStream": echogrpc.Echo_ClientStream_FullMethodName,
		"Bidi":         echogrpc.Echo_Bidi_FullMethodName,
	}
	if n := sd.Methods().Len(); n != len(goMethods) || n != len(wireMethods) || n != len(wirePaths) {
		t.Fatalf("descriptor has %d methods, grpc-go stubs %d, grpcwire stubs %d", n, len(goMethods), len(wireMethods))
	}
	for i := range sd.Methods().Len() {
		md := sd.Methods().Get(i)
		name := string(md.Name())
		path := "/" + string(sd.FullName()) + "/" + name
		if wirePaths[name] != path || goPaths[name] != path {
			t.Errorf("%s: grpcwire path %q, grpc-go path %q, want %q", name, wirePaths[name], goPaths[name], path)
		}
		gm, ok := goMethods[name]
		if !ok || gm.ClientStreams != md.IsStreamingClient() || gm.ServerStreams != md.IsStreamingServer() {
			t.Errorf("%s: grpc-go stub streams client=%v server=%v, descriptor %v %v",
				name, gm.ClientStreams, gm.ServerStreams, md.IsStreamingClient(), md.IsStreamingServer())
		}
		wm, ok := wireMethods[name]
		if !ok || wm.Kind.ClientStreams() != md.IsStreamingClient() || wm.Kind.ServerStreams() != md.IsStreamingServer() {
			t.Errorf("%s: grpcwire stub is %v, descriptor streams client=%v server=%v",
				name, wm.Kind, md.IsStreamingClient(), md.IsStreamingServer())
		}
	}
}

// generatedFiles are the committed outputs of go generate, relative to this
// directory.
var generatedFiles = []string{
	"echo_messages.pb.go",
	"echo.pb.go",
	"echo_grpcwire.pb.go",
	"echogrpc/echo_grpc.pb.go",
}

// protocVersionLine is the line of a generated header that names protoc's
// version, which may differ between machines without changing the code.
var protocVersionLine = regexp.MustCompile(`(?m)^// (- )?protoc +v.*$`)

// TestGeneratedCurrent regenerates the code as generate.go does, into a
// temporary directory, and compares it with the committed files. It needs
// protoc, and skips without it; the build of the plugins is the module's
// own, so the versions are the pinned ones.
func TestGeneratedCurrent(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc is not on PATH (Debian: apt-get install protobuf-compiler); TestStubsMatchDescriptor still checks the stubs")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	plugins := t.TempDir()
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "echogrpc"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "go", "build", "-o", plugins+string(filepath.Separator),
		"google.golang.org/protobuf/cmd/protoc-gen-go",
		"google.golang.org/grpc/cmd/protoc-gen-go-grpc",
		"grpcwire/cmd/protoc-gen-go-grpcwire")
	plugin := func(name string) string {
		return "--plugin=" + name + "=" + filepath.Join(plugins, name)
	}
	run(t, ctx, protoc, "-I.", plugin("protoc-gen-go"), "--go_out="+out, "--go_opt=paths=source_relative",
		"echo_messages.proto", "echo.proto")
	run(t, ctx, protoc, "-I.", plugin("protoc-gen-go-grpcwire"), "--go-grpcwire_out="+out,
		"--go-grpcwire_opt=paths=source_relative", "echo.proto")
	run(t, ctx, protoc, "-I.", plugin("protoc-gen-go-grpc"), "--go-grpc_out="+filepath.Join(out, "echogrpc"),
		"--go-grpc_opt=paths=source_relative", "--go-grpc_opt=Mecho.proto=grpcwire/conformance/echopb/echogrpc;echogrpc",
		"echo.proto")
	for _, f := range generatedFiles {
		want, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got = protocVersionLine.ReplaceAll(got, nil)
		want = protocVersionLine.ReplaceAll(want, nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in conformance/echopb", f)
		}
	}
}

func run(t *testing.T, ctx context.Context, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
