package trace_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"grpcwire/framing"
	"grpcwire/internal/testkit/golden"
	"grpcwire/observe"
	"grpcwire/trace"
	"grpcwire/userspb"
)

// The request and response messages the tests below frame.
var (
	tomReq = &userspb.CreateUserRequest{Username: "tom"}
	tomRes = &userspb.CreateUserResult{User: &userspb.User{Username: "tom", UserId: 1}}
	alexa  = &userspb.GetUsersResult{User: &userspb.User{Username: "alexa", UserId: 1}}
)

// streamTrace returns the detail lines of the trace of a call to method:
// the client writes its request headers, then the events follow. Frame lines
// are kept so that each piece of detail is seen under its frame.
func streamTrace(t *testing.T, opts []trace.Option, method string, events ...*observe.FrameEvent) string {
	t.Helper()
	out := frames(t, opts, append([]*observe.FrameEvent{requestHeaders(true, 1, method)}, events...)...)
	// Drop the request headers' own frame and detail.
	i := strings.Index(out, "\nc1 ")
	if i < 0 {
		return ""
	}
	return out[i+1:]
}

func TestMessages(t *testing.T) {
	req := marshal(t, tomReq) // 5 bytes
	res := marshal(t, tomRes) // 9 bytes
	two := append(lpm(t, 0, marshal(t, alexa)), lpm(t, 0, marshal(t, alexa))...)
	big := lpm(t, 0, marshal(t, &userspb.CreateUserRequest{Username: strings.Repeat("x", 300)}))
	gz, err := framing.Gzip.AppendCompressed(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   []trace.Option
		method string
		events []*observe.FrameEvent
		want   string
	}{
		{
			name:   "one request message with EOS",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, true, lpm(t, 0, req))},
			want: "" +
				"c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n" +
				"        username: \"tom\"\n",
		},
		{
			name:   "response message read",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(false, 1, false, lpm(t, 0, res))},
			want: "" +
				"c1 <- DATA          stream=1 len=14\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult\n" +
				"        user {\n" +
				"          username: \"tom\"\n" +
				"          user_id: 1\n" +
				"        }\n",
		},
		{
			name:   "two messages in one frame",
			method: "/users.Users/GetUsers",
			events: []*observe.FrameEvent{dataEv(false, 1, false, two)},
			want: "" +
				"c1 <- DATA          stream=1 len=32\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult\n" +
				"        user {\n" +
				"          username: \"alexa\"\n" +
				"          user_id: 1\n" +
				"        }\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult\n" +
				"        user {\n" +
				"          username: \"alexa\"\n" +
				"          user_id: 1\n" +
				"        }\n",
		},
		{
			name:   "a message over three frames, the prefix split",
			method: "/users.Users/GetUsers",
			events: []*observe.FrameEvent{
				dataEv(false, 1, false, two[:3]),
				dataEv(false, 1, false, two[3:10]),
				dataEv(false, 1, false, two[10:14]),
				dataEv(false, 1, false, two[14:]),
			},
			want: "" +
				"c1 <- DATA          stream=1 len=3\n" +
				"      3 of the 5 bytes of a Length-Prefixed-Message prefix; the rest follows\n" +
				"c1 <- DATA          stream=1 len=7\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult  # 5 bytes here, the rest follows\n" +
				"c1 <- DATA          stream=1 len=4\n" +
				"      ... 4 more bytes of the message (9 of 11)\n" +
				"c1 <- DATA          stream=1 len=18\n" +
				"      ... the last 2 bytes of the message (11 of 11)\n" +
				"        user {\n" +
				"          username: \"alexa\"\n" +
				"          user_id: 1\n" +
				"        }\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=11 users.GetUsersResult\n" +
				"        user {\n" +
				"          username: \"alexa\"\n" +
				"          user_id: 1\n" +
				"        }\n",
		},
		{
			name:   "empty message, then an empty EOS frame",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, nil)), dataEv(true, 1, true, nil)},
			want: "" +
				"c1 -> DATA          stream=1 len=5\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=0 users.CreateUserRequest\n" +
				"        (every field has its default value)\n" +
				"c1 -> DATA          stream=1 flags=END_STREAM len=0  # EOS\n",
		},
		{
			name:   "gzip",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{
				requestHeaders(true, 1, "/users.Users/CreateUser", "grpc-encoding", "gzip"),
				dataEv(true, 1, true, lpm(t, 1, gz)),
			},
			want: "" +
				"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
				"      :method = POST\n" +
				"      :path = /users.Users/CreateUser\n" +
				"      content-type = application/grpc\n" +
				"      grpc-encoding = gzip\n" +
				fmt.Sprintf("c1 -> DATA          stream=1 flags=END_STREAM len=%d  # EOS\n", 5+len(gz)) +
				fmt.Sprintf("      Length-Prefixed-Message Compressed-Flag=1 Message-Length=%d users.CreateUserRequest\n", len(gz)) +
				"        (decompressed with gzip: 5 bytes)\n" +
				"        username: \"tom\"\n",
		},
		{
			name:   "compressed without grpc-encoding",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 1, gz))},
			want: "" +
				fmt.Sprintf("c1 -> DATA          stream=1 len=%d\n", 5+len(gz)) +
				fmt.Sprintf("      Length-Prefixed-Message Compressed-Flag=1 Message-Length=%d users.CreateUserRequest\n", len(gz)) +
				"        (not decoded: Compressed-Flag is 1 but the stream's headers name no grpc-encoding)\n",
		},
		{
			name:   "unknown encoding",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{
				headersEv(false, 1, 0, ":status", "200", "grpc-encoding", "snappy"),
				dataEv(false, 1, false, lpm(t, 1, []byte{1, 2})),
			},
			want: "" +
				"c1 <- HEADERS       stream=1 flags=END_HEADERS len=10  # Response-Headers\n" +
				"      :status = 200\n" +
				"      grpc-encoding = snappy\n" +
				"c1 <- DATA          stream=1 len=7\n" +
				"      Length-Prefixed-Message Compressed-Flag=1 Message-Length=2 users.CreateUserResult\n" +
				"        (not decoded: this program has no codec for grpc-encoding \"snappy\")\n",
		},
		{
			name:   "corrupt gzip",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{
				requestHeaders(true, 1, "/users.Users/CreateUser", "grpc-encoding", "gzip"),
				dataEv(true, 1, false, lpm(t, 1, []byte("not gzip"))),
			},
			want: "" +
				"c1 -> HEADERS       stream=1 flags=END_HEADERS len=10  # Request-Headers\n" +
				"      :method = POST\n" +
				"      :path = /users.Users/CreateUser\n" +
				"      content-type = application/grpc\n" +
				"      grpc-encoding = gzip\n" +
				"c1 -> DATA          stream=1 len=13\n" +
				"      Length-Prefixed-Message Compressed-Flag=1 Message-Length=8 users.CreateUserRequest\n" +
				"        (not decoded: cannot decompress it with gzip: ",
		},
		{
			name:   "invalid compressed flag breaks the direction",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{
				dataEv(true, 1, false, []byte{2, 0, 0, 0, 1, 9}),
				dataEv(true, 1, false, []byte{0, 0, 0, 0, 0}),
			},
			want: "" +
				"c1 -> DATA          stream=1 len=6\n" +
				"      Length-Prefixed-Message Compressed-Flag=2 Message-Length=1  # invalid Compressed-Flag: only 0 and 1 are defined, so the rest of this direction is not parsed\n" +
				"c1 -> DATA          stream=1 len=5\n" +
				"      (not parsed: an invalid Compressed-Flag broke this direction's framing)\n",
		},
		{
			name:   "stream ends inside a message",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, true, lpm(t, 0, req)[:7])},
			want: "" +
				"c1 -> DATA          stream=1 flags=END_STREAM len=7  # EOS\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest  # 2 bytes here, the rest follows\n" +
				"      (the stream ended inside a Length-Prefixed-Message: 2 of its 5 bytes came)\n",
		},
		{
			name:   "trailers end the stream inside a prefix",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{
				dataEv(false, 1, false, []byte{0, 0}),
				headersEv(false, 1, 0x1, "grpc-status", "0"),
			},
			want: "" +
				"c1 <- DATA          stream=1 len=2\n" +
				"      2 of the 5 bytes of a Length-Prefixed-Message prefix; the rest follows\n" +
				"c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=10  # Trailers\n" +
				"      grpc-status = 0  # OK\n" +
				"      (the stream ended inside a Length-Prefixed-Message prefix: 2 of its 5 bytes came)\n",
		},
		{
			name:   "over the size limit",
			opts:   []trace.Option{trace.MaxMessageSize(100)},
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, false, big)},
			want: "" +
				"c1 -> DATA          stream=1 len=308\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=303 users.CreateUserRequest\n" +
				"        (not decoded: 303 bytes is over the trace's limit of 100; trace.MaxMessageSize raises it)\n",
		},
		{
			name:   "over the size limit once decompressed",
			opts:   []trace.Option{trace.MaxMessageSize(100)},
			method: "/users.Users/CreateUser",
			events: func() []*observe.FrameEvent {
				z, err := framing.Gzip.AppendCompressed(nil, big[5:])
				if err != nil {
					t.Fatal(err)
				}
				return []*observe.FrameEvent{
					requestHeaders(true, 1, "/users.Users/CreateUser", "grpc-encoding", "gzip"),
					dataEv(true, 1, false, lpm(t, 1, z)),
				}
			}(),
			want: "        (not decoded: over the trace's limit of 100 bytes once decompressed; trace.MaxMessageSize raises it)\n",
		},
		{
			name:   "decoding off",
			opts:   []trace.Option{trace.MaxMessageSize(0)},
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, req))},
			want: "" +
				"c1 -> DATA          stream=1 len=10\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest\n",
		},
		{
			name:   "not a valid message",
			method: "/users.Users/CreateUser",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, []byte{0xff}))},
			want: "" +
				"c1 -> DATA          stream=1 len=6\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=1 users.CreateUserRequest\n" +
				"        (not a valid users.CreateUserRequest: ",
		},
		{
			name:   "unknown service",
			method: "/nowhere.Svc/Do",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, req))},
			want: "" +
				"c1 -> DATA          stream=1 len=10\n" +
				"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5\n" +
				"        (not decoded: service nowhere.Svc is not in this program's protobuf registry)\n" +
				"        its 5 bytes: 0a 03 74 6f 6d\n",
		},
		{
			name:   "unknown method",
			method: "/users.Users/DeleteUser",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, req))},
			want:   "        (not decoded: service users.Users has no method DeleteUser)\n",
		},
		{
			name:   "a message name, not a service",
			method: "/users.User/Get",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, req))},
			want:   "        (not decoded: users.User is not a service in this program's protobuf registry)\n",
		},
		{
			name:   "malformed path",
			method: "users.Users",
			events: []*observe.FrameEvent{dataEv(true, 1, false, lpm(t, 0, req))},
			want:   "        (not decoded: the :path \"users.Users\" is not of the form /package.Service/Method)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := streamTrace(t, tt.opts, tt.method, tt.events...)
			if !strings.Contains(got, tt.want) {
				t.Errorf("got:\n%s\nwant it to contain:\n%s\n%s", got, tt.want, golden.FirstDiff(got, tt.want))
			}
		})
	}
}

// TestDescriptorOnlyTypes decodes the messages of a service the program
// knows only by its descriptor, with no generated Go types registered: a
// program that loads .proto descriptors at run time still gets its messages
// decoded.
func TestDescriptorOnlyTypes(t *testing.T) {
	registerDynamicService(t)
	msg := dynamicpb.NewMessage(dynamicFile.Messages().ByName("Ping"))
	msg.Set(msg.Descriptor().Fields().ByName("text"), protoreflect.ValueOfString("hi"))
	got := streamTrace(t, nil, "/tracetest.dyn.Pinger/Ping", dataEv(true, 1, false, lpm(t, 0, marshal(t, msg))))
	want := "" +
		"c1 -> DATA          stream=1 len=9\n" +
		"      Length-Prefixed-Message Compressed-Flag=0 Message-Length=4 tracetest.dyn.Ping\n" +
		"        text: \"hi\"\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// dynamicFile is a .proto file registered in protoregistry.GlobalFiles
// without any Go types, as a program that reads descriptors at run time has.
var dynamicFile protoreflect.FileDescriptor

var registerOnce sync.Once

func registerDynamicService(t *testing.T) {
	t.Helper()
	registerOnce.Do(func() {
		fdp := &descriptorpb.FileDescriptorProto{
			Name:    proto.String("tracetest/dyn.proto"),
			Package: proto.String("tracetest.dyn"),
			Syntax:  proto.String("proto3"),
			MessageType: []*descriptorpb.DescriptorProto{{
				Name: proto.String("Ping"),
				Field: []*descriptorpb.FieldDescriptorProto{{
					Name:     proto.String("text"),
					JsonName: proto.String("text"),
					Number:   proto.Int32(1),
					Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
					Type:     descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
				}},
			}},
			Service: []*descriptorpb.ServiceDescriptorProto{{
				Name: proto.String("Pinger"),
				Method: []*descriptorpb.MethodDescriptorProto{{
					Name:       proto.String("Ping"),
					InputType:  proto.String(".tracetest.dyn.Ping"),
					OutputType: proto.String(".tracetest.dyn.Ping"),
				}},
			}},
		}
		fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
		if err != nil {
			panic(err)
		}
		if err := protoregistry.GlobalFiles.RegisterFile(fd); err != nil {
			panic(err)
		}
		dynamicFile = fd
	})
}
