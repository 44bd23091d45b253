package reflection

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"grpcwire/interop"
	v1 "grpcwire/reflection/grpc_reflection_v1"
	"grpcwire/server"
	"grpcwire/userspb"
)

// FuzzAnswer feeds arbitrary requests to the reflection service's answer:
// it must never panic, must answer every request that asks something, and
// every file it sends must parse as a FileDescriptorProto.
func FuzzAnswer(f *testing.F) {
	for _, req := range []*v1.ServerReflectionRequest{
		{MessageRequest: &v1.ServerReflectionRequest_ListServices{}},
		{MessageRequest: &v1.ServerReflectionRequest_FileByFilename{FileByFilename: "users.proto"}},
		{MessageRequest: &v1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "grpc.testing.TestService.UnaryCall"}},
		{MessageRequest: &v1.ServerReflectionRequest_FileContainingExtension{FileContainingExtension: &v1.ExtensionRequest{ContainingType: "google.protobuf.FieldOptions", ExtensionNumber: 50000}}},
		{MessageRequest: &v1.ServerReflectionRequest_AllExtensionNumbersOfType{AllExtensionNumbersOfType: "google.protobuf.MessageOptions"}},
		{Host: "h"},
	} {
		b, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := server.New()
	userspb.RegisterUsersServer(s, userspb.UnimplementedUsersServer{})
	(&interop.TestServer{}).Register(s)
	r := Register(s)
	f.Fuzz(func(t *testing.T, b []byte) {
		req := new(v1.ServerReflectionRequest)
		if proto.Unmarshal(b, req) != nil {
			return
		}
		res, err := r.answer(req, make(map[string]bool))
		if err != nil {
			if req.GetMessageRequest() != nil {
				t.Fatalf("answer(%v) failed: %v", req, err)
			}
			return
		}
		for _, fd := range res.GetFileDescriptorResponse().GetFileDescriptorProto() {
			if err := proto.Unmarshal(fd, new(descriptorpb.FileDescriptorProto)); err != nil {
				t.Fatalf("answer(%v) sent a file that does not parse: %v", req, err)
			}
		}
	})
}
