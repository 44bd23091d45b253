package main

import (
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"grpcwire/userspb"
	"grpcwire/wire"
)

// TestParseHeader walks the forms of -H: what is accepted and how it
// reads, and each rule that refuses one.
func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in         string
		key, value string
		err        string
	}{
		{in: "ip: 127.0.0.1", key: "ip", value: "127.0.0.1"},
		{in: "Authorization: Bearer x", key: "authorization", value: "Bearer x"},
		{in: "  x-a :  spaced\t", key: "x-a", value: "spaced"},
		{in: "x-empty:", key: "x-empty", value: ""},
		{in: "x-colon: a:b", key: "x-colon", value: "a:b"},
		{in: "x-bin: AQID", key: "x-bin", value: "\x01\x02\x03"},
		{in: "x-bin: AQI=", key: "x-bin", value: "\x01\x02"},
		{in: "x-bin: AQI", key: "x-bin", value: "\x01\x02"},
		{in: "no colon", err: "want 'key: value'"},
		{in: ": v", err: "want 'key: value'"},
		{in: "te: trailers", err: "te is a field of the protocol"},
		{in: "user-agent: me", err: "user-agent is a field of the protocol"},
		{in: ":path: /x", err: "is a field of the protocol"},
		{in: "grpc-foo: x", err: "grpc-"},
		{in: "x y: z", err: `-H "x y: z"`},
		{in: "x-a: caf\u00e9", err: "-bin"},
		{in: "x-bin: !!", err: "the value of a -bin key is base64"},
	} {
		key, value, err := parseHeader(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseHeader(%q) = %q, %q, %v; want an error with %q", tc.in, key, value, err, tc.err)
			}
			continue
		}
		if err != nil || key != tc.key || value != tc.value {
			t.Errorf("parseHeader(%q) = %q, %q, %v; want %q, %q", tc.in, key, value, err, tc.key, tc.value)
		}
	}

	md, err := parseHeaders([]string{"x-a: 1", "X-A: 2", "x-b: 3"})
	if err != nil || len(md["x-a"]) != 2 || md["x-a"][1] != "2" || md["x-b"][0] != "3" {
		t.Errorf("parseHeaders = %v, %v; want x-a: [1 2], x-b: [3]", md, err)
	}
}

// FuzzParseHeader checks that any -H value is either refused or gives a
// key and value the client can send as they are.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"ip: 127.0.0.1", "x-bin: AQID", "Te: trailers", "a:", ":", "x-a: \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		key, value, err := parseHeader(h)
		if err != nil {
			return
		}
		if key != strings.ToLower(key) || wire.IsReservedHeader(key) {
			t.Errorf("parseHeader(%q) gave the key %q", h, key)
		}
		if err := wire.ValidateKey(key); err != nil {
			t.Errorf("parseHeader(%q) gave the key %q: %v", h, key, err)
		}
		if err := wire.ValidateValue(key, value); err != nil {
			t.Errorf("parseHeader(%q) gave the value %q: %v", h, value, err)
		}
	})
}

// TestSplitMethodName walks the ways a call names its method.
func TestSplitMethodName(t *testing.T) {
	for _, tc := range []struct {
		in     string
		svc    protoreflect.FullName
		method protoreflect.Name
		ok     bool
	}{
		{"users.Users/CreateUser", "users.Users", "CreateUser", true},
		{"/users.Users/CreateUser", "users.Users", "CreateUser", true},
		{"users.Users.CreateUser", "users.Users", "CreateUser", true},
		{"Svc/M", "Svc", "M", true},
		{"a.b.c.Svc/M", "a.b.c.Svc", "M", true},
		{"CreateUser", "", "", false},
		{".CreateUser", "", "", false},
		{"users.Users/", "", "", false},
		{"users.Users/a/b", "", "", false},
		{"users..Users/M", "", "", false},
		{"users.Users/M-1", "", "", false},
		{"", "", "", false},
	} {
		svc, method, err := splitMethodName(tc.in)
		if (err == nil) != tc.ok || svc != tc.svc || method != tc.method {
			t.Errorf("splitMethodName(%q) = %q, %q, %v; want %q, %q, ok %v", tc.in, svc, method, err, tc.svc, tc.method, tc.ok)
		}
	}
}

// FuzzSplitMethodName checks that a name that splits gives a valid service
// name and method name.
func FuzzSplitMethodName(f *testing.F) {
	for _, s := range []string{"users.Users/CreateUser", "/a.B/C", "a.B.C", "x", "/", "a/b/c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		svc, method, err := splitMethodName(name)
		if err != nil {
			return
		}
		if !svc.IsValid() || !method.IsValid() {
			t.Errorf("splitMethodName(%q) = %q, %q", name, svc, method)
		}
	})
}

// TestJSONStream reads requests written as JSON objects one after another,
// and names the request that is wrong.
func TestJSONStream(t *testing.T) {
	md := userspb.File_users_proto.Messages().ByName("CreateUserRequest")
	for _, tc := range []struct {
		in    string
		names []string // the username of each request
		err   string
	}{
		{in: ``},
		{in: `{}`, names: []string{""}},
		{in: `{"username": "a"}{"username": "b"}`, names: []string{"a", "b"}},
		{in: "{\"username\": \"a\"}\n{\"username\": \"b\"}\n\n", names: []string{"a", "b"}},
		{in: `{"username": "a"} {"email": "x"} {"username": "c"}`, names: []string{"a", "", "c"}},
		{in: `{"username": "a"} {"username": `, err: "request 2 in test is not JSON"},
		{in: `{"username": "a"} {"nope": 1}`, err: "request 2 in test is not a users.CreateUserRequest"},
		{in: `{"username": 1}`, err: "request 1 in test is not a users.CreateUserRequest"},
		{in: `[]`, err: "request 1 in test is not a users.CreateUserRequest"},
		{in: `nope`, err: "request 1 in test is not JSON"},
	} {
		msgs, err := newJSONStream(strings.NewReader(tc.in), "test", nil).all(md)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v; want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || len(msgs) != len(tc.names) {
			t.Errorf("%q: %d messages, %v; want %d", tc.in, len(msgs), err, len(tc.names))
			continue
		}
		for i, m := range msgs {
			if got := m.Get(md.Fields().ByName("username")).String(); got != tc.names[i] {
				t.Errorf("%q: request %d has username %q, want %q", tc.in, i+1, got, tc.names[i])
			}
		}
	}
}

// FuzzJSONStream checks that any input gives requests or an error, and that
// each request read survives a round trip through protojson.
func FuzzJSONStream(f *testing.F) {
	for _, s := range []string{`{"username": "tom"}`, `{} {}`, `{"user_id": 1}`, `{"username": "\u00e9"}` + "\n" + `{"email": "x"}`, `{`, `[1]`} {
		f.Add(s)
	}
	md := userspb.File_users_proto.Messages().ByName("CreateUserRequest")
	f.Fuzz(func(t *testing.T, in string) {
		s := newJSONStream(strings.NewReader(in), "fuzz", nil)
		for {
			m, err := s.next(md)
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			b, err := protojson.Marshal(m)
			if err != nil {
				t.Fatalf("a request read from %q does not marshal: %v", in, err)
			}
			back := dynamicpb.NewMessage(md)
			if err := protojson.Unmarshal(b, back); err != nil || !proto.Equal(m, back) {
				t.Fatalf("a request read from %q does not survive a round trip: %s, %v", in, b, err)
			}
		}
	})
}
