package main

import (
	"strings"
	"testing"

	"grpcwire/internal/testkit/h2test"
)

// TestCallKinds calls each of the four call kinds of the interop
// TestService, with the requests as the argument and on stdin, and checks
// the responses printed.
func TestCallKinds(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInterop(t, false)
	const svc = "grpc.testing.TestService/"
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string // the whole stdout
	}{
		{
			name: "unary",
			args: []string{"-plaintext", addr, svc + "UnaryCall", `{"responseSize": 3, "fillServerId": true}`},
			want: "{\n  \"payload\": {\n    \"body\": \"AAAA\"\n  },\n  \"serverId\": \"grpcwire-test\"",
		},
		{
			name:  "unary from stdin",
			stdin: `{"responseSize": 1}`,
			args:  []string{"-plaintext", addr, svc + "UnaryCall", "-"},
			want:  "{\n  \"payload\": {\n    \"body\": \"AA==\"\n  },\n  \"hostname\": ",
		},
		{
			name: "unary, empty request",
			args: []string{"-plaintext", addr, svc + "EmptyCall"},
			want: "{}\n",
		},
		{
			name: "unary, text format",
			args: []string{"-plaintext", "-format", "text", addr, svc + "UnaryCall", `{"responseSize": 2}`},
			want: "payload {\n  body: \"\\000\\000\"\n}\nhostname: ",
		},
		{
			name: "server-streaming",
			args: []string{"-plaintext", addr, svc + "StreamingOutputCall", `{"responseParameters": [{"size": 1}, {"size": 2}, {"size": 3}]}`},
			want: "{\n  \"payload\": {\n    \"body\": \"AA==\"\n  }\n}\n" +
				"{\n  \"payload\": {\n    \"body\": \"AAA=\"\n  }\n}\n" +
				"{\n  \"payload\": {\n    \"body\": \"AAAA\"\n  }\n}\n",
		},
		{
			name:  "client-streaming from stdin",
			stdin: `{"payload": {"body": "AAA="}}` + "\n" + `{"payload": {"body": "AAAAAA=="}}` + "\n",
			args:  []string{"-plaintext", addr, svc + "StreamingInputCall"},
			want:  "{\n  \"aggregatedPayloadSize\": 6\n}\n",
		},
		{
			name: "client-streaming from the argument",
			args: []string{"-plaintext", addr, svc + "StreamingInputCall", `{"payload": {"body": "AA=="}} {"payload": {"body": "AA=="}} {"payload": {"body": "AA=="}}`},
			want: "{\n  \"aggregatedPayloadSize\": 3\n}\n",
		},
		{
			name:  "client-streaming, no request",
			stdin: "",
			args:  []string{"-plaintext", addr, svc + "StreamingInputCall"},
			want:  "{}\n",
		},
		{
			name:  "bidi from stdin",
			stdin: `{"responseParameters": [{"size": 1}]} {"responseParameters": [{"size": 2}, {"size": 3}]}`,
			args:  []string{"-plaintext", addr, svc + "FullDuplexCall"},
			want: "{\n  \"payload\": {\n    \"body\": \"AA==\"\n  }\n}\n" +
				"{\n  \"payload\": {\n    \"body\": \"AAA=\"\n  }\n}\n" +
				"{\n  \"payload\": {\n    \"body\": \"AAAA\"\n  }\n}\n",
		},
		{
			name: "bidi from the argument",
			args: []string{"-plaintext", addr, svc + "FullDuplexCall", `{"responseParameters": [{"size": 1}]}`},
			want: "{\n  \"payload\": {\n    \"body\": \"AA==\"\n  }\n}\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := grpcwire(t, tc.stdin, append([]string{"call"}, tc.args...)...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("want exit 0 and nothing on stderr\n%s", r)
			}
			if !strings.HasPrefix(r.stdout, tc.want) {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tc.want)
			}
		})
	}
}

// TestCallOptions checks the flags that change the call: metadata (ASCII
// and -bin) and -v, -gzip, -timeout.
func TestCallOptions(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInterop(t, false)
	const unary = "grpc.testing.TestService/UnaryCall"
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{
			// The interop server echoes x-grpc-test-echo-initial in its
			// headers and x-grpc-test-echo-trailing-bin in its trailers.
			name: "metadata and -v",
			args: []string{"-plaintext", "-v", "-H", "X-Grpc-Test-Echo-Initial: hello", "-H", "x-grpc-test-echo-trailing-bin: AQID", addr, unary, "{}"},
			wants: []string{
				"header x-grpc-test-echo-initial: hello\n",
				"trailer x-grpc-test-echo-trailing-bin: AQID\n",
				"0 OK\n",
			},
		},
		{
			name:  "-gzip compresses the request",
			args:  []string{"-plaintext", "-gzip", addr, unary, `{"expectCompressed": {"value": true}}`},
			wants: []string{"{}"},
		},
		{
			name:  "without -gzip the request is not compressed",
			args:  []string{"-plaintext", addr, unary, `{"expectCompressed": {"value": true}}`},
			code:  exitStatus,
			wants: []string{"3 INVALID_ARGUMENT: "},
		},
		{
			name:  "-timeout",
			args:  []string{"-plaintext", "-timeout", "50ms", addr, "grpc.testing.TestService/StreamingOutputCall", `{"responseParameters": [{"size": 1, "intervalUs": 10000000}]}`},
			code:  exitStatus,
			wants: []string{"4 DEADLINE_EXCEEDED"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, grpcwire(t, "", append([]string{"call"}, tc.args...)...), tc.code, tc.wants...)
		})
	}
}

// TestCallStatus checks a call that fails: the status as "code NAME:
// message" on stderr, its details (one of a type the server's reflection
// describes, printed as JSON; one it does not, printed as bytes) and the
// exit code.
func TestCallStatus(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	users := startUsers(t, false)
	interopAddr := startInterop(t, false)

	r := grpcwire(t, "", "call", "-plaintext", users, "users.Users/CreateUser", `{"username": "details"}`)
	want := "6 ALREADY_EXISTS: user details exists\n" +
		`detail users.User: {"username":"details","userId":7}` + "\n" +
		"detail type.googleapis.com/example.NotDescribed (type unknown, 2 bytes): CCo\n"
	if r.code != exitStatus || r.stdout != "" || r.stderr != want {
		t.Errorf("want exit 1, no stdout, stderr:\n%s\n%s", want, r)
	}

	r = grpcwire(t, "", "call", "-plaintext", users, "users.Users/CreateUser", `{}`)
	if want := "3 INVALID_ARGUMENT: username is required\n"; r.code != exitStatus || r.stderr != want {
		t.Errorf("want exit 1, stderr %q\n%s", want, r)
	}

	// A code with no message, and a message with characters that travel
	// percent-encoded.
	r = grpcwire(t, "", "call", "-plaintext", interopAddr, "grpc.testing.TestService/UnaryCall", `{"responseStatus": {"code": 5}}`)
	if want := "5 NOT_FOUND\n"; r.code != exitStatus || r.stderr != want {
		t.Errorf("want exit 1, stderr %q\n%s", want, r)
	}
	r = grpcwire(t, "", "call", "-plaintext", interopAddr, "grpc.testing.TestService/UnaryCall",
		`{"responseStatus": {"code": 2, "message": "\t\ntest with 100% ünïcödé\n"}}`)
	if r.code != exitStatus || r.stdout != "" || r.stderr != "2 UNKNOWN: \t\ntest with 100% ünïcödé\n\n" {
		t.Errorf("want exit 1 with UNKNOWN and the message byte for byte\n%s", r)
	}
}

// TestCallUsage checks the mistakes that are named before anything is
// sent, with exit code 2.
func TestCallUsage(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInterop(t, false)
	const unary = "grpc.testing.TestService/UnaryCall"
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"not JSON", "", []string{"-plaintext", addr, unary, `{"responseSize": `}, "request 1 in the JSON argument is not JSON"},
		{"unknown field", "", []string{"-plaintext", addr, unary, `{"nope": 1}`}, `request 1 in the JSON argument is not a grpc.testing.SimpleRequest: `},
		{"two requests for a unary call", "", []string{"-plaintext", addr, unary, `{} {}`}, "is unary: it takes exactly one request, and the JSON argument holds 2"},
		{"no request on stdin", "", []string{"-plaintext", addr, unary, "-"}, "stdin holds 0"},
		{"bad JSON on a bidi stream", `{"responseParameters": [{"size": 1}]} {"x"`, []string{"-plaintext", addr, "grpc.testing.TestService/FullDuplexCall"}, "request 2 in stdin is not JSON"},
		{"flag after the arguments", "", []string{addr, unary, "-plaintext"}, "flag -plaintext after the arguments"},
		{"bad metadata", "", []string{"-plaintext", "-H", "no colon", addr, unary}, `-H "no colon": want 'key: value'`},
		{"reserved metadata", "", []string{"-plaintext", "-H", "content-type: text/plain", addr, unary}, "content-type is a field of the protocol"},
		{"bad -bin value", "", []string{"-plaintext", "-H", "x-bin: !!", addr, unary}, "the value of a -bin key is base64"},
		{"unknown method", "", []string{"-plaintext", addr, "grpc.testing.TestService/Nope"}, "service grpc.testing.TestService has no method Nope; its methods: EmptyCall, UnaryCall"},
		{"unknown service", "", []string{"-plaintext", addr, "no.Such/Method"}, "symbol no.Such not found in the server's reflection"},
		{"not a method name", "", []string{"-plaintext", addr, "UnaryCall"}, `"UnaryCall" names no method`},
		{"bad format", "", []string{"-plaintext", "-format", "xml", addr, unary}, `-format "xml": want json or text`},
		{"plaintext with TLS flags", "", []string{"-plaintext", "-cacert", "ca.pem", addr, unary}, "-plaintext speaks cleartext HTTP/2"},
		{"bad address", "", []string{"-plaintext", "localhost", unary}, `the address "localhost" is not host:port`},
		{"missing arguments", "", []string{"-plaintext", addr}, "usage: grpcwire call [flags] ADDR SERVICE/METHOD [JSON]"},
		{"connection refused", "", []string{"-plaintext", "-proto", "users.proto", "-I", repoRoot(t), "127.0.0.1:1", "users.Users/CreateUser", "{}"}, "14 UNAVAILABLE: grpcwire: cannot connect: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := grpcwire(t, tc.stdin, append([]string{"call"}, tc.args...)...)
			expect(t, r, exitUsage, tc.want)
			if r.stdout != "" && tc.name != "bad JSON on a bidi stream" {
				t.Errorf("a usage mistake printed on stdout\n%s", r)
			}
		})
	}
}
