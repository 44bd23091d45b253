package pbtext_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"grpcwire/internal/pbtext"
	pb "grpcwire/internal/pbtext/internal/pbtexttest"
	"grpcwire/userspb"
)

// fuzzTypes are the message types FuzzFormat decodes its input as: the first
// byte of the input picks one. Each is a dynamic message, so Format is
// driven through protoreflect alone, as for any message.
var fuzzTypes = []protoreflect.MessageDescriptor{
	(&pb.All{}).ProtoReflect().Descriptor(),
	(&pb.Legacy{}).ProtoReflect().Descriptor(),
	(&descriptorpb.FileDescriptorProto{}).ProtoReflect().Descriptor(),
}

// FuzzFormat decodes random bytes into dynamic messages and formats them:
// Format must never panic, must print the same text twice, must print ""
// exactly when no known field is set, and must balance every "{" line with
// a "}" line, since escaping keeps values on one line.
func FuzzFormat(f *testing.F) {
	f.Add([]byte{0, 0x0a, 0x05, 'a', 'l', 'e', 'x', 'a'})
	f.Add(append([]byte{0}, mustMarshal(&pb.All{FString: "é\n", MStringInt32: map[string]int32{"": 0, "k": 1}, Choice: &pb.All_OChild{OChild: &pb.All{FFloat: 1e-45}}})...))
	f.Add(append([]byte{1}, mustMarshal(legacy())...))
	f.Add(append([]byte{2}, mustMarshal(protodesc.ToFileDescriptorProto(userspb.File_users_proto))...))
	f.Add([]byte{1, 0xa8, 0x1f, 0x01, 0x1b, 0x20, 0x01, 0x1c})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		md := fuzzTypes[int(data[0])%len(fuzzTypes)]
		m := dynamicpb.NewMessage(md)
		if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(data[1:], m); err != nil {
			return
		}
		got := pbtext.Format(m)
		if again := pbtext.Format(m); again != got {
			t.Fatalf("Format is not deterministic:\n%s\n---\n%s", got, again)
		}
		set := 0
		m.Range(func(protoreflect.FieldDescriptor, protoreflect.Value) bool { set++; return false })
		if (got == "") != (set == 0) {
			t.Fatalf("Format = %q with %d known fields set", got, set)
		}
		open, closed := 0, 0
		for line := range strings.Lines(got) {
			switch {
			case strings.HasSuffix(line, " {\n"):
				open++
			case strings.TrimSpace(line) == "}":
				closed++
				if closed > open {
					t.Fatalf("unbalanced braces in\n%s", got)
				}
			case !strings.Contains(line, ": "):
				t.Fatalf("line %q is neither a field nor a brace", line)
			}
		}
		if open != closed {
			t.Fatalf("%d blocks opened, %d closed, in\n%s", open, closed, got)
		}
	})
}

// mustMarshal encodes a seed message.
func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
