package conformance

// The grpcwire command (cmd/grpcwire, a module of its own) against stock
// grpc-go: list, describe and call of the four call kinds through grpc-go's
// server reflection (v1, and v1alpha alone), a failed call with grpc-go's
// status details, the frame trace of a unary call, and -proto against a
// grpc-go server without reflection.

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// echoServerListening is the line grpcgo-echo-server prints once it
// accepts connections.
var echoServerListening = regexp.MustCompile(`grpcgo-echo-server: listening on (\S+)`)

// cliPrograms are the two programs the tests run: the grpcwire command and
// grpc-go's Echo server with grpc-go's reflection.
type cliPrograms struct {
	grpcwire, echoServer string
}

// buildCLIPrograms builds the grpcwire command, a module of its own
// (cmd/grpcwire), and testdata/grpcgo-echo-server into a temporary
// directory of t.
func buildCLIPrograms(t *testing.T) cliPrograms {
	t.Helper()
	dir := t.TempDir()
	p := cliPrograms{grpcwire: filepath.Join(dir, "grpcwire"), echoServer: filepath.Join(dir, "grpcgo-echo-server")}
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	for _, args := range [][]string{
		{"build", "-C", filepath.Join("..", "cmd", "grpcwire"), "-o", p.grpcwire, "."},
		{"build", "-o", p.echoServer, "./testdata/grpcgo-echo-server"},
	} {
		if out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return p
}

// startEchoServer starts grpc-go's Echo server with the reflection services
// asked for ("both", "v1alpha", "none") and returns its address; the
// test's cleanup stops it.
func startEchoServer(t *testing.T, progs cliPrograms, reflection string) string {
	t.Helper()
	p := startProc(t, "grpcgo-echo-server -reflection "+reflection, progs.echoServer, "-reflection", reflection)
	return p.waitLine(t, echoServerListening)[1]
}

// cliRun is one run of the command.
type cliRun struct {
	code           int
	stdout, stderr string
}

// runCLI runs the grpcwire command with stdin, within runTimeout.
func runCLI(t *testing.T, bin, stdin string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := cliRun{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("grpcwire %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("grpcwire %s did not finish within %v:\n%s", strings.Join(args, " "), runTimeout, r.stderr)
	}
	return r
}

// cliCase is one run of the command and what it must print.
type cliCase struct {
	name  string
	stdin string
	args  []string
	code  int
	want  []string // each in stdout or stderr
}

func runCLICases(t *testing.T, bin string, cases []cliCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, bin, tc.stdin, tc.args...)
			if r.code != tc.code {
				t.Fatalf("grpcwire %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) && !strings.Contains(r.stderr, w) {
					t.Errorf("grpcwire %s: output lacks %q\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), w, r.stdout, r.stderr)
				}
			}
		})
	}
}

const echoSvc = "grpcwire.conformance.Echo"

// TestCLIGRPCGo lists, describes and calls grpc-go's Echo server through
// grpc-go's reflection.
func TestCLIGRPCGo(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	bin := progs.grpcwire
	addr := startEchoServer(t, progs, "both")
	alpha := startEchoServer(t, progs, "v1alpha")
	none := startEchoServer(t, progs, "none")
	protoDir, err := filepath.Abs("echopb")
	if err != nil {
		t.Fatal(err)
	}
	const methods = echoSvc + "/Unary         unary\n" +
		echoSvc + "/ServerStream  server-streaming\n" +
		echoSvc + "/ClientStream  client-streaming\n" +
		echoSvc + "/Bidi          bidi-streaming\n"

	runCLICases(t, bin, []cliCase{
		{name: "list", args: []string{"list", "-plaintext", addr}, want: []string{
			"grpc.reflection.v1.ServerReflection\ngrpc.reflection.v1alpha.ServerReflection\n" + echoSvc + "\n"}},
		{name: "list methods", args: []string{"list", "-plaintext", addr, echoSvc}, want: []string{methods}},
		{name: "list through v1alpha", args: []string{"list", "-plaintext", alpha, echoSvc}, want: []string{methods}},
		{name: "no reflection", args: []string{"list", "-plaintext", none}, code: 2, want: []string{"does not offer server reflection"}},
		{name: "describe a message", args: []string{"describe", "-plaintext", addr, "grpcwire.conformance.ResponseStatus"}, want: []string{
			"// message grpcwire.conformance.ResponseStatus, in echo_messages.proto\n",
			"  map<string, string> detail_metadata = 4;\n",
		}},
		{name: "describe a method", args: []string{"describe", "-plaintext", addr, echoSvc + "/Bidi"}, want: []string{
			"rpc Bidi(stream EchoRequest) returns (stream EchoResponse);\n",
			"message EchoRequest {\n  bytes payload = 1;\n",
		}},
		{name: "unary", args: []string{"call", "-plaintext", addr, echoSvc + "/Unary", `{"payload": "aGk="}`}, want: []string{
			"{\n  \"payload\": \"aGk=\",\n  \"requests\": 1,\n  \"requestBytes\": \"2\",\n  \"deadlineLeftMs\": \"-1\",\n  \"server\": \"grpc-go\"\n}\n"}},
		{name: "unary with -timeout", args: []string{"call", "-plaintext", "-timeout", "1m", addr, echoSvc + "/Unary", `{}`}, want: []string{
			`"deadlineLeftMs": "5`}},
		{name: "server-streaming", args: []string{"call", "-plaintext", addr, echoSvc + "/ServerStream", `{"responseSize": 3, "responseCount": 2}`}, want: []string{
			"\"payload\": \"YWJj\",\n  \"requests\": 1,",
			"\"payload\": \"YWJj\",\n  \"index\": 1,",
		}},
		{name: "client-streaming", stdin: `{"payload": "YQ=="} {"payload": "YmI="} {"payload": "Y2Nj"}`, args: []string{"call", "-plaintext", addr, echoSvc + "/ClientStream"}, want: []string{
			"\"requests\": 3,\n  \"requestBytes\": \"6\","}},
		{name: "bidi", stdin: "{\"payload\": \"YQ==\"}\n{\"payload\": \"YmI=\", \"responseCount\": 2}\n", args: []string{"call", "-plaintext", addr, echoSvc + "/Bidi"}, want: []string{
			"\"payload\": \"YQ==\",\n  \"requests\": 1,",
			"\"payload\": \"YmI=\",\n  \"index\": 1,\n  \"requests\": 2,",
			"\"payload\": \"YmI=\",\n  \"index\": 2,\n  \"requests\": 2,",
		}},
		{name: "metadata and -v", args: []string{"call", "-plaintext", "-v", "-H", "x-echo-header-a: 1", "-H", "x-echo-trailer-b-bin: AAEC", addr, echoSvc + "/Unary", `{"echoMetadata": true}`}, want: []string{
			"header x-echo-header-a: 1\n", "trailer x-echo-trailer-b-bin: AAEC\n", "0 OK\n"}},
		{name: "-gzip both ways", args: []string{"call", "-plaintext", "-gzip", "-trace", "-trace-times=false", addr, echoSvc + "/Unary", `{"responseSize": 100, "compressResponse": true}`}, want: []string{
			"grpc-encoding = gzip\n", "Length-Prefixed-Message Compressed-Flag=1", "\"payload\": \"YWJjZGVmZ2hh"}},
		{name: "a failed call with details", args: []string{"call", "-plaintext", addr, echoSvc + "/Unary",
			`{"status": {"code": 9, "message": "not now", "detailReason": "BUSY", "detailMetadata": {"k": "v"}, "localizedMessage": "Pas maintenant"}}`}, code: 1, want: []string{
			"9 FAILED_PRECONDITION: not now\n" +
				`detail google.rpc.ErrorInfo: {"reason":"BUSY","domain":"conformance.grpcwire","metadata":{"k":"v"}}` + "\n" +
				`detail google.rpc.LocalizedMessage: {"locale":"en-US","message":"Pas maintenant"}` + "\n"}},
		{name: "a failed server stream", args: []string{"call", "-plaintext", addr, echoSvc + "/ServerStream", `{"responseCount": 1, "status": {"code": 8, "message": "enough"}}`}, code: 1, want: []string{
			"\"server\": \"grpc-go\"\n}\n", "8 RESOURCE_EXHAUSTED: enough\n"}},
		{name: "-proto without reflection, traced", args: []string{"call", "-plaintext", "-trace", "-trace-times=false", "-proto", "echo.proto", "-I", protoDir, none, echoSvc + "/Unary", `{"payload": "aGk="}`}, want: []string{
			"\"payload\": \"aGk=\"",
			// The messages are decoded in the trace with the descriptors
			// parsed from echo.proto, which the command does not link.
			"Length-Prefixed-Message Compressed-Flag=0 Message-Length=4 grpcwire.conformance.EchoRequest\n        payload: \"hi\"\n",
			"grpcwire.conformance.EchoResponse\n        payload: \"hi\"\n"}},
		{name: "unknown method", args: []string{"call", "-plaintext", addr, echoSvc + "/Nope"}, code: 2, want: []string{
			"service grpcwire.conformance.Echo has no method Nope"}},
	})
}

// grpcGoTraceLines are the lines a unary call's trace must hold, in this
// order, with grpc-go as the server: the frames of stream 1 as the command
// prints them, without times.
var grpcGoTraceLines = []*regexp.Regexp{
	regexp.MustCompile(`^c1 connection: client 127\.0\.0\.1:[0-9]+, server 127\.0\.0\.1:[0-9]+, traced at the client$`),
	regexp.MustCompile(`^c1 -> HEADERS +stream=1 flags=END_HEADERS len=[0-9]+  # Request-Headers$`),
	regexp.MustCompile(`^      :path = /grpcwire\.conformance\.Echo/Unary$`),
	regexp.MustCompile(`^c1 -> DATA +stream=1 flags=END_STREAM len=9  # EOS$`),
	regexp.MustCompile(`^      Length-Prefixed-Message Compressed-Flag=0 Message-Length=4 grpcwire\.conformance\.EchoRequest$`),
	regexp.MustCompile(`^        payload: "hi"$`),
	regexp.MustCompile(`^c1 <- HEADERS +stream=1 flags=END_HEADERS len=[0-9]+  # Response-Headers$`),
	regexp.MustCompile(`^      :status = 200$`),
	regexp.MustCompile(`^      content-type = application/grpc$`),
	regexp.MustCompile(`^c1 <- DATA +stream=1 len=[0-9]+$`),
	regexp.MustCompile(`^      Length-Prefixed-Message Compressed-Flag=0 Message-Length=[0-9]+ grpcwire\.conformance\.EchoResponse$`),
	regexp.MustCompile(`^        server: "grpc-go"$`),
	regexp.MustCompile(`^c1 <- HEADERS +stream=1 flags=END_STREAM\|END_HEADERS len=[0-9]+  # Trailers$`),
	regexp.MustCompile(`^      grpc-status = 0  # OK$`),
}

// TestCLIGRPCGoTrace checks the frame trace of a unary call to grpc-go:
// the request and response frames in order, the messages decoded with the
// descriptors learned through reflection.
func TestCLIGRPCGoTrace(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	addr := startEchoServer(t, progs, "both")
	r := runCLI(t, progs.grpcwire, "", "call", "-plaintext", "-trace", "-trace-times=false", addr, echoSvc+"/Unary", `{"payload": "aGk="}`)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(r.stderr, "\n")
	next := 0
	for _, l := range lines {
		if next < len(grpcGoTraceLines) && grpcGoTraceLines[next].MatchString(l) {
			next++
		}
	}
	if next < len(grpcGoTraceLines) {
		t.Errorf("the trace lacks a line matching %s (after the %d before it):\n%s", grpcGoTraceLines[next], next, r.stderr)
	}
}
