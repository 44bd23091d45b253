package gentest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

func TestScanDecls(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []decl
	}{
		{
			name: "seed layout",
			src: "syntax = \"proto3\";\n" +
				"// Users does things.\n" +
				"service Users {\n" +
				"  // CreateUser makes one.\n" +
				"  //\n" +
				"  //   indented\n" +
				"  rpc CreateUser (A) returns (B);\n" +
				"  rpc GetUsers (A) returns (stream B);\n" +
				"}\n",
			want: []decl{
				{kind: "service", name: "Users", line: 2, col: 0, leading: " Users does things.\n"},
				{kind: "rpc", name: "CreateUser", line: 6, col: 2, leading: " CreateUser makes one.\n\n   indented\n"},
				{kind: "rpc", name: "GetUsers", line: 7, col: 2},
			},
		},
		{
			name: "blank line detaches",
			src:  "// detached\n\nservice S {}\n",
			want: []decl{{kind: "service", name: "S", line: 2}},
		},
		{
			name: "trailing comment of the previous rpc is not leading",
			src:  "service S {\n  rpc A (X) returns (Y); // about A\n  rpc B (X) returns (Y);\n}\n",
			want: []decl{
				{kind: "service", name: "S", line: 0},
				{kind: "rpc", name: "A", line: 1, col: 2},
				{kind: "rpc", name: "B", line: 2, col: 2},
			},
		},
		{
			name: "no space after slashes, CRLF line ends",
			src:  "//tight\r\nservice S {\r\n}\r\n",
			want: []decl{{kind: "service", name: "S", line: 1, leading: "tight\n"}},
		},
		{
			name: "block comment further up is skipped",
			src:  "/* old\n   notes */\n// S.\nservice S {}\n",
			want: []decl{{kind: "service", name: "S", line: 3, leading: " S.\n"}},
		},
		{
			name: "keywords in strings, comments, options and messages are not declarations",
			src: "option (rpc) = \"service X {\";\n" +
				"message M { string service = 1; string rpc = 2; }\n" +
				"// service Y {}\n" +
				"service S {\n" +
				"  option (x) = 'rpc Z';\n" +
				"  rpc A (M) returns (M) { option deprecated = true; }\n" +
				"  /* rpc Q */\n" +
				"}\n" +
				"message rpc {}\n",
			want: []decl{
				{kind: "service", name: "S", line: 3, leading: " service Y {}\n"},
				{kind: "rpc", name: "A", line: 5, col: 2},
			},
		},
		{
			name: "two services number their rpcs apart",
			src:  "service A { rpc X (M) returns (M); }\nservice B {\n  rpc Y (M) returns (M);\n}\n",
			want: []decl{
				{kind: "service", name: "A", line: 0},
				{kind: "rpc", name: "X", line: 0, col: 12},
				{kind: "service", name: "B", line: 1},
				{kind: "rpc", name: "Y", line: 2, col: 2},
			},
		},
		{
			name: "no services",
			src:  "syntax = \"proto2\";\nmessage M {}\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scanDecls([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("scanDecls =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestScanDeclsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"block comment directly above", "/* S */\nservice S {}\n", "only // comments"},
		{"unclosed block comment", "service S {} /* x", "never closed"},
		{"unclosed string", "option x = \"abc", "never closed"},
		{"string across lines", "option x = \"a\nb\";", "past the end of the line"},
		{"unbalanced close", "}\n", "unbalanced }"},
		{"unbalanced open", "service S {\n", "left open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scanDecls([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("scanDecls(%q) error = %v, want one containing %q", tc.src, err, tc.want)
			}
		})
	}
}

// usersDescriptor is users.proto's service part as protoc compiles it.
func usersDescriptor() *descriptorpb.FileDescriptorProto {
	return &descriptorpb.FileDescriptorProto{
		Name: proto.String("users.proto"),
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("Users"),
			Method: []*descriptorpb.MethodDescriptorProto{
				{Name: proto.String("CreateUser")},
				{Name: proto.String("GetUsers")},
			},
		}},
	}
}

// TestSourceInfoUsers builds the locations for the repository's users.proto
// and checks paths, spans and comments.
func TestSourceInfoUsers(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "users.proto"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := SourceInfo(src, usersDescriptor())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"[6 0]":     " Users creates accounts and looks them up.\n",
		"[6 0 2 0]": " CreateUser creates one account and returns it with its new user id.\n",
		"[6 0 2 1]": " GetUsers streams back one result per requested user.\n",
	}
	if len(info.GetLocation()) != len(want) {
		t.Fatalf("%d locations, want %d: %v", len(info.GetLocation()), len(want), info)
	}
	lines := strings.Split(string(src), "\n")
	for _, loc := range info.GetLocation() {
		p := fmt.Sprint(loc.GetPath())
		if got := loc.GetLeadingComments(); got != want[p] {
			t.Errorf("%s: leading comment %q, want %q", p, got, want[p])
		}
		span := loc.GetSpan()
		if len(span) != 3 {
			t.Fatalf("%s: span %v, want 3 elements", p, span)
		}
		kw := "rpc"
		if len(loc.GetPath()) == 2 {
			kw = "service"
		}
		if got := lines[span[0]][span[1]:span[2]]; got != kw {
			t.Errorf("%s: span %v covers %q, want %q", p, span, got, kw)
		}
	}
}

func TestSourceInfoMismatch(t *testing.T) {
	src := []byte("service Users {\n  rpc CreateUser (A) returns (B);\n  rpc GetUsers (A) returns (B);\n}\n")
	for _, tc := range []struct {
		name   string
		mutate func(*descriptorpb.FileDescriptorProto)
		want   string
	}{
		{"renamed service", func(fd *descriptorpb.FileDescriptorProto) { fd.Service[0].Name = proto.String("Accounts") }, "service Users is not service #0"},
		{"renamed rpc", func(fd *descriptorpb.FileDescriptorProto) { fd.Service[0].Method[1].Name = proto.String("ListUsers") }, "rpc GetUsers is not rpc #1"},
		{"missing rpc", func(fd *descriptorpb.FileDescriptorProto) { fd.Service[0].Method = fd.Service[0].Method[:1] }, "rpc GetUsers is not rpc #1"},
		{"extra service", func(fd *descriptorpb.FileDescriptorProto) {
			fd.Service = append(fd.Service, &descriptorpb.ServiceDescriptorProto{Name: proto.String("More")})
		}, "found 1 services in the source but the descriptor has 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd := usersDescriptor()
			tc.mutate(fd)
			_, err := SourceInfo(src, fd)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SourceInfo error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := SourceInfo(src, usersDescriptor()); err != nil {
		t.Errorf("unmutated descriptor: %v", err)
	}
}
