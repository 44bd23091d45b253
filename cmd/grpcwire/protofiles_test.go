package main

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/userspb"
)

// TestProtoFiles lists, describes and calls a server without reflection
// from users.proto parsed with -proto, and from a protoset.
func TestProtoFiles(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startUsers(t, true)
	root := repoRoot(t)

	// A protoset as protoc --descriptor_set_out --include_imports writes it.
	set := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{
		protodesc.ToFileDescriptorProto(userspb.File_users_proto),
	}}
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	protoset := filepath.Join(t.TempDir(), "users.protoset")
	if err := os.WriteFile(protoset, b, 0o644); err != nil {
		t.Fatal(err)
	}

	for name, files := range map[string][]string{
		"-proto relative to -I": {"-proto", "users.proto", "-I", root},
		"-proto path under -I":  {"-proto", filepath.Join(root, "users.proto"), "-I", root},
		"-protoset":             {"-protoset", protoset},
	} {
		t.Run(name, func(t *testing.T) {
			with := func(cmd string, args ...string) []string {
				return append(append([]string{cmd, "-plaintext"}, files...), args...)
			}
			r := grpcwire(t, "", with("list", addr)...)
			if r.code != exitOK || r.stdout != "users.Users\n" {
				t.Errorf("list: want users.Users\n%s", r)
			}
			r = grpcwire(t, "", with("list", addr, "users.Users")...)
			if want := "users.Users/CreateUser  unary\nusers.Users/GetUsers    server-streaming\n"; r.code != exitOK || r.stdout != want {
				t.Errorf("list users.Users: want\n%s\n%s", want, r)
			}
			expect(t, grpcwire(t, "", with("describe", addr, "users.CreateUserRequest")...), exitOK,
				"message CreateUserRequest {\n  string username = 1;\n  string password = 2;\n  string email = 3;\n}\n")
			r = grpcwire(t, "", with("call", addr, "users.Users/CreateUser", `{"username": "tom"}`)...)
			if want := "{\n  \"user\": {\n    \"username\": \"tom\",\n    \"userId\": 1\n  }\n}\n"; r.code != exitOK || r.stdout != want {
				t.Errorf("call CreateUser: want\n%s\n%s", want, r)
			}
			r = grpcwire(t, "", with("call", addr, "users.Users/GetUsers", `{"user": [{"username": "alexa", "userId": 1}, {"username": "christie", "userId": 2}]}`)...)
			if want := "{\n  \"user\": {\n    \"username\": \"alexa\",\n    \"userId\": 1\n  }\n}\n{\n  \"user\": {\n    \"username\": \"christie\",\n    \"userId\": 2\n  }\n}\n"; r.code != exitOK || r.stdout != want {
				t.Errorf("call GetUsers: want\n%s\n%s", want, r)
			}
		})
	}

	// -proto comments reach describe.
	expect(t, grpcwire(t, "", "describe", "-proto", "users.proto", "-I", root, addr, "users.Users"), exitOK,
		"// Users creates accounts and looks them up.\nservice Users {\n  // CreateUser creates one account and returns it with its new user id.\n")

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"file not found", []string{"-proto", "nope.proto", "-I", root}, "nope.proto"},
		{"file outside -I", []string{"-proto", filepath.Join(root, "users.proto"), "-I", t.TempDir()}, "is not inside any -I directory"},
		{"syntax error", []string{"-proto", "bad.proto", "-I", writeFile(t, "bad.proto", "syntax = \"proto3\";\nmessage {")}, "bad.proto:2:"},
		{"not a protoset", []string{"-protoset", filepath.Join(root, "users.proto")}, "is not a serialized FileDescriptorSet"},
		{"protoset missing an import", []string{"-protoset", writeSet(t, "shop/shop.proto")}, "lacks shop/legacy.proto, which one of its files imports: write it with protoc --include_imports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, grpcwire(t, "", append(append([]string{"list", "-plaintext"}, tc.args...), addr)...), exitUsage, tc.want)
		})
	}
}

// writeFile writes a file into a new directory and returns the directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeSet compiles one file of testdata/protos and writes it alone (its
// imports left out) as a protoset; it returns the protoset's path.
func writeSet(t *testing.T, name string) string {
	t.Helper()
	fds, err := compileProtos(t.Context(), []string{name}, []string{filepath.Join("testdata", "protos")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(fds[0])}})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "set.protoset")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
