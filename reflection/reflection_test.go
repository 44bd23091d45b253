package reflection_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"grpcwire/client"
	"grpcwire/health"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	"grpcwire/reflection"
	v1 "grpcwire/reflection/grpc_reflection_v1"
	v1alpha "grpcwire/reflection/grpc_reflection_v1alpha"
	"grpcwire/server"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// callTimeout bounds each test's calls.
const callTimeout = 10 * time.Second

// serve starts a server with users.Users, the interop TestService, health
// and reflection, and returns a connection to it.
func serve(t *testing.T) *client.Conn {
	t.Helper()
	s := server.New()
	userspb.RegisterUsersServer(s, userspb.UnimplementedUsersServer{})
	(&interop.TestServer{}).Register(s)
	health.Register(s)
	reflection.Register(s)
	cc := testsvc.Dial(t, testsvc.Serve(t, s))
	return cc
}

// asker sends reflection requests on one stream, through v1 or v1alpha.
type asker func(req *v1.ServerReflectionRequest) (*v1.ServerReflectionResponse, error)

// askers opens one stream of each version on cc.
func askers(t *testing.T, cc *client.Conn) map[string]asker {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	s1, err := v1.NewServerReflectionClient(cc).ServerReflectionInfo(c)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := v1alpha.NewServerReflectionClient(cc).ServerReflectionInfo(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s1.CloseSend(); sa.CloseSend() })
	return map[string]asker{
		"v1": func(req *v1.ServerReflectionRequest) (*v1.ServerReflectionResponse, error) {
			if err := s1.Send(req); err != nil {
				return nil, err
			}
			return s1.Recv()
		},
		"v1alpha": func(req *v1.ServerReflectionRequest) (*v1.ServerReflectionResponse, error) {
			areq := new(v1alpha.ServerReflectionRequest)
			convert(t, req, areq)
			if err := sa.Send(areq); err != nil {
				return nil, err
			}
			ares, err := sa.Recv()
			if err != nil {
				return nil, err
			}
			res := new(v1.ServerReflectionResponse)
			convert(t, ares, res)
			return res, nil
		},
	}
}

// convert copies a message into its twin of the other version.
func convert(t *testing.T, from, to proto.Message) {
	b, err := proto.Marshal(from)
	if err == nil {
		err = proto.Unmarshal(b, to)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// fileNames decodes a FileDescriptorResponse's files and returns their
// names, failing t if any does not parse.
func fileNames(t *testing.T, res *v1.ServerReflectionResponse) []string {
	t.Helper()
	fdr := res.GetFileDescriptorResponse()
	if fdr == nil {
		t.Fatalf("response %v has no file descriptors", res)
	}
	var names []string
	for _, b := range fdr.GetFileDescriptorProto() {
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fdp); err != nil {
			t.Fatal(err)
		}
		names = append(names, fdp.GetName())
	}
	return names
}

// TestListServices lists every registered service, reflection and health
// included, sorted.
func TestListServices(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := serve(t)
	want := []string{"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.TestService", "users.Users"}
	for version, ask := range askers(t, cc) {
		res, err := ask(&v1.ServerReflectionRequest{Host: "h", MessageRequest: &v1.ServerReflectionRequest_ListServices{}})
		if err != nil {
			t.Fatalf("%s: %v", version, err)
		}
		var got []string
		for _, s := range res.GetListServicesResponse().GetService() {
			got = append(got, s.GetName())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: services %v; want %v", version, got, want)
		}
		if res.GetValidHost() != "h" || res.GetOriginalRequest().GetHost() != "h" {
			t.Errorf("%s: valid_host %q, original request %v; want the request echoed", version, res.GetValidHost(), res.GetOriginalRequest())
		}
	}
}

// TestFiles walks file_by_filename and file_containing_symbol: the file
// asked for comes first, then every file it imports, once per stream; and
// the files sent build a consistent descriptor set.
func TestFiles(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := serve(t)
	const testProto = "interop/grpc_testing/test.proto"
	deps := []string{"interop/grpc_testing/empty.proto", "interop/grpc_testing/messages.proto"}
	for version, ask := range askers(t, cc) {
		for _, tc := range []struct {
			name string
			req  *v1.ServerReflectionRequest
			want []string // files sent, in order
		}{
			{"service", symbol("grpc.testing.TestService"), append([]string{testProto}, deps...)},
			{"again: no imports resent", symbol("grpc.testing.TestService"), []string{testProto}},
			{"method", symbol("grpc.testing.TestService.UnaryCall"), []string{testProto}},
			{"message", symbol("grpc.testing.SimpleRequest"), []string{deps[1]}},
			{"field", symbol("grpc.testing.SimpleRequest.response_size"), []string{deps[1]}},
			{"enum value", symbol("grpc.testing.COMPRESSABLE"), []string{deps[1]}},
			{"users by file name", filename("users.proto"), []string{"users.proto"}},
			{"a global file", filename("google/protobuf/descriptor.proto"), []string{"google/protobuf/descriptor.proto"}},
			{"health", symbol("grpc.health.v1.Health"), []string{"health/grpc_health_v1/health.proto"}},
		} {
			res, err := ask(tc.req)
			if err != nil {
				t.Fatalf("%s %s: %v", version, tc.name, err)
			}
			if got := fileNames(t, res); !slices.Equal(got, tc.want) {
				t.Errorf("%s %s: files %v; want %v", version, tc.name, got, tc.want)
			}
		}
	}
}

// TestFilesBuild checks that one answer holds everything needed to build
// the file: a tool can turn it into descriptors without asking more.
func TestFilesBuild(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := serve(t)
	res, err := askers(t, cc)["v1"](symbol("grpc.testing.TestService"))
	if err != nil {
		t.Fatal(err)
	}
	set := new(descriptorpb.FileDescriptorSet)
	for _, b := range res.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(b, fdp); err != nil {
			t.Fatal(err)
		}
		set.File = append(set.File, fdp)
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatalf("the files sent do not build: %v", err)
	}
	d, err := files.FindDescriptorByName("grpc.testing.TestService.StreamingInputCall")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.ParentFile().Path(); got != "interop/grpc_testing/test.proto" {
		t.Errorf("StreamingInputCall is in %s", got)
	}
}

// TestErrors walks the questions without an answer: each gets an
// ErrorResponse with NOT_FOUND and the stream goes on.
func TestErrors(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cc := serve(t)
	for version, ask := range askers(t, cc) {
		for name, req := range map[string]*v1.ServerReflectionRequest{
			"unknown symbol":     symbol("no.Such"),
			"invalid symbol":     symbol("not a name"),
			"unknown file":       filename("no/such.proto"),
			"unknown extension":  {MessageRequest: &v1.ServerReflectionRequest_FileContainingExtension{FileContainingExtension: &v1.ExtensionRequest{ContainingType: "grpc.testing.Empty", ExtensionNumber: 100}}},
			"extensions of none": {MessageRequest: &v1.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: "no.Such"}},
		} {
			res, err := ask(req)
			if err != nil {
				t.Fatalf("%s %s: %v", version, name, err)
			}
			if got := res.GetErrorResponse().GetErrorCode(); got != int32(wire.NotFound) {
				t.Errorf("%s %s: %v; want an error response with NOT_FOUND", version, name, res)
			}
		}
		res, err := ask(&v1.ServerReflectionRequest{MessageRequest: &v1.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: "grpc.testing.Empty"}})
		if err != nil || res.GetAllExtensionNumbersResponse().GetBaseTypeName() != "grpc.testing.Empty" {
			t.Errorf("%s: extension numbers of grpc.testing.Empty: %v, %v", version, res, err)
		}
		// A request that asks nothing ends the stream.
		if _, err := ask(&v1.ServerReflectionRequest{}); wire.CodeOf(err) != wire.InvalidArgument {
			t.Errorf("%s: an empty request: %v; want INVALID_ARGUMENT", version, err)
		}
	}
}

func symbol(s string) *v1.ServerReflectionRequest {
	return &v1.ServerReflectionRequest{MessageRequest: &v1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: s}}
}

func filename(s string) *v1.ServerReflectionRequest {
	return &v1.ServerReflectionRequest{MessageRequest: &v1.ServerReflectionRequest_FileByFilename{FileByFilename: s}}
}
