package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"grpcwire/internal/testkit/h2test"
	"grpcwire/server"
	"grpcwire/trace/tracetest"
)

// clientPort matches the client's side of a traced connection, whose port
// changes on every run.
var clientPort = regexp.MustCompile(`client 127\.0\.0\.1:[0-9]+,`)

// normalizeAddrs replaces the addresses in a trace that change from run to
// run: the server's and the client's port.
func normalizeAddrs(s, serverAddr, as string) string {
	s = clientPort.ReplaceAllString(s, "client 127.0.0.1:CLIENT,")
	return strings.ReplaceAll(s, serverAddr, as)
}

// canonicalTrace is a trace in an order that does not depend on goroutine
// scheduling: tracetest's canonical order (the connection's own frames
// each way, then each stream's), except that the GOAWAY the client sends
// when the command closes the connection, after the call, comes last, where
// it happened.
func canonicalTrace(trace string) string {
	var b, last strings.Builder
	for _, f := range tracetest.Parse(tracetest.Canonical(trace)) {
		if f.Type == "GOAWAY" && f.Sent {
			last.WriteString(f.Text)
			continue
		}
		b.WriteString(f.Text)
	}
	return b.String() + last.String()
}

// unaryTrace is the trace of a CreateUser call with -trace-times=false
// -trace-values and the metadata ip: 127.0.0.1, in canonicalTrace's order,
// every line as the command printed it.
const unaryTrace = `c1 connection: client 127.0.0.1:CLIENT, server SERVER, traced at the client
c1 -> SETTINGS      stream=0 len=24
      INITIAL_WINDOW_SIZE = 1048576
      MAX_FRAME_SIZE = 16384
      MAX_HEADER_LIST_SIZE = 16384
      ENABLE_PUSH = 0
c1 -> WINDOW_UPDATE stream=0 len=4 increment=4128769
c1 -> SETTINGS      stream=0 flags=ACK len=0
c1 <- SETTINGS      stream=0 len=24
      INITIAL_WINDOW_SIZE = 1048576
      MAX_FRAME_SIZE = 16384
      MAX_HEADER_LIST_SIZE = 16384
      MAX_CONCURRENT_STREAMS = 1000
c1 <- WINDOW_UPDATE stream=0 len=4 increment=4128769
c1 <- SETTINGS      stream=0 flags=ACK len=0
c1 -> HEADERS       stream=1 flags=END_HEADERS len=121  # Request-Headers
      :method = POST
      :scheme = http
      :path = /users.Users/CreateUser
      :authority = localhost:50051
      content-type = application/grpc
      te = trailers
      user-agent = grpcwire-cli/0.1.0 grpc-go-grpcwire/0.1.0
      grpc-accept-encoding = gzip
      ip = 127.0.0.1
c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS
      Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest
        username: "tom"
c1 <- HEADERS       stream=1 flags=END_HEADERS len=14  # Response-Headers
      :status = 200
      content-type = application/grpc
c1 <- DATA          stream=1 len=14
      Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult
        user {
          username: "tom"
          user_id: 1
        }
c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=12  # Trailers
      grpc-status = 0  # OK
c1 -> GOAWAY        stream=0 len=21 last_stream=0 code=NO_ERROR debug="client closed"
`

// TestTraceUnary checks the -trace of one unary call line by line, and that
// stderr holds the trace and nothing else.
func TestTraceUnary(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startUsers(t, false)
	// -authority keeps the request header block the same length whatever
	// port the server got: HPACK's Huffman code gives digits different
	// lengths.
	r := grpcwire(t, "", "call", "-plaintext", "-trace", "-trace-times=false", "-trace-values", "-H", "ip: 127.0.0.1",
		"-authority", "localhost:50051", addr, "users.Users/CreateUser", `{"username": "tom"}`)
	if r.code != exitOK || r.stdout != "{\n  \"user\": {\n    \"username\": \"tom\",\n    \"userId\": 1\n  }\n}\n" {
		t.Fatalf("want exit 0 and the response\n%s", r)
	}
	got := normalizeAddrs(canonicalTrace(r.stderr), addr, "SERVER")
	gotLines, wantLines := strings.Split(got, "\n"), strings.Split(unaryTrace, "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("trace line %d:\n got %q\nwant %q", i+1, g, w)
		}
	}
	if t.Failed() {
		t.Logf("the whole trace:\n%s", r.stderr)
	}
	// Canonical drops lines that are not the trace's: there must be none.
	if n, m := strings.Count(r.stderr, "\n"), strings.Count(tracetest.StripTimes(tracetest.Canonical(r.stderr)), "\n"); n != m {
		t.Errorf("stderr has %d lines, its trace %d: something else was printed\n%s", n, m, r.stderr)
	}
}

// elapsed matches the time that starts every line of a trace with times.
var elapsed = regexp.MustCompile(`^\+[0-9]+\.[0-9]{6}s  c[0-9]+ `)

// TestTraceOptions checks the other trace flags: times on by default,
// metadata values redacted unless -trace-values, the reflection connection
// traced with -trace-reflection, and the trace of list and describe,
// including the v1alpha fallback.
func TestTraceOptions(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	users := startUsers(t, false)
	alphaOnly := startInterop(t, false, server.ChainStreamInterceptor(v1Refused))

	t.Run("times and redaction by default", func(t *testing.T) {
		r := grpcwire(t, "", "call", "-plaintext", "-trace", "-H", "ip: 127.0.0.1", users, "users.Users/CreateUser", `{"username": "tom"}`)
		expect(t, r, exitOK, "ip = <redacted, 9 bytes>\n")
		for line := range strings.Lines(r.stderr) {
			if !strings.HasPrefix(line, " ") && !elapsed.MatchString(line) {
				t.Errorf("a trace line without its time: %q", line)
			}
		}
	})

	t.Run("-trace-reflection", func(t *testing.T) {
		r := grpcwire(t, "", "call", "-plaintext", "-trace", "-trace-reflection", "-trace-times=false", users, "users.Users/CreateUser", `{"username": "tom"}`)
		expect(t, r, exitOK)
		c1 := tracetest.Stream(r.stderr, 1, 1)
		c2 := tracetest.Stream(r.stderr, 2, 1)
		if !strings.Contains(c1, ":path = /grpc.reflection.v1.ServerReflection/ServerReflectionInfo\n") ||
			!strings.Contains(c1, "file_containing_symbol: \"users.Users\"\n") {
			t.Errorf("c1 is not the reflection call:\n%s", r.stderr)
		}
		if !strings.Contains(c2, ":path = /users.Users/CreateUser\n") {
			t.Errorf("c2 is not the call:\n%s", r.stderr)
		}
	})

	t.Run("without -trace-reflection only the call", func(t *testing.T) {
		r := grpcwire(t, "", "call", "-plaintext", "-trace", "-trace-times=false", users, "users.Users/CreateUser", `{"username": "tom"}`)
		expect(t, r, exitOK)
		if strings.Contains(r.stderr, "c2 ") || strings.Contains(r.stderr, "ServerReflection") {
			t.Errorf("the reflection connection was traced:\n%s", r.stderr)
		}
	})

	t.Run("list through v1alpha", func(t *testing.T) {
		r := grpcwire(t, "", "list", "-plaintext", "-trace", "-trace-times=false", alphaOnly)
		expect(t, r, exitOK, "grpc.testing.TestService\n")
		v1 := tracetest.Stream(r.stderr, 1, 1)
		alpha := tracetest.Stream(r.stderr, 1, 3)
		if !strings.Contains(v1, ":path = /grpc.reflection.v1.ServerReflection/ServerReflectionInfo\n") ||
			!strings.Contains(v1, "grpc-status = 12  # UNIMPLEMENTED\n") {
			t.Errorf("stream 1 is not v1 answered UNIMPLEMENTED:\n%s", r.stderr)
		}
		if !strings.Contains(alpha, ":path = /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo\n") ||
			!strings.Contains(alpha, "list_services_response {\n") {
			t.Errorf("stream 3 is not v1alpha answering list_services:\n%s", r.stderr)
		}
	})

	t.Run("describe", func(t *testing.T) {
		r := grpcwire(t, "", "describe", "-plaintext", "-trace", "-trace-times=false", users, "users.User")
		expect(t, r, exitOK, "message User {\n", "file_containing_symbol: \"users.User\"\n", "grpc-status = 0  # OK\n")
	})
}

// TestCallHTML checks call -html: the page draws every frame of the call's
// connection (with -trace-reflection, the reflection connection's too), and
// without -trace nothing of the trace goes to stderr.
func TestCallHTML(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	users := startUsers(t, false)
	page := filepath.Join(t.TempDir(), "call.html")
	r := grpcwire(t, "", "call", "-plaintext", "-html", page, users, "users.Users/CreateUser", `{"username": "tom"}`)
	expect(t, r, exitOK, `"username": "tom"`)
	if r.stderr != "" {
		t.Errorf("-html without -trace wrote to stderr:\n%s", r.stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	// The connection's SETTINGS, WINDOW_UPDATE and ACK each way, the
	// call's five frames, the client's GOAWAY.
	if n := strings.Count(html, `<svg class="arrow"`); n != 12 || strings.Count(html, `<section class="conn"`) != 1 || !strings.HasSuffix(html, "</html>\n") {
		t.Errorf("the page draws %d arrows in %d connections, want 12 in 1:\n%.400s", n, strings.Count(html, `<section class="conn"`), html)
	}
	r = grpcwire(t, "", "call", "-plaintext", "-html", page, "-trace-reflection", users, "users.Users/CreateUser", `{"username": "tom"}`)
	expect(t, r, exitOK)
	if b, _ := os.ReadFile(page); strings.Count(string(b), `<section class="conn"`) != 2 || !strings.Contains(string(b), "ServerReflectionInfo") {
		t.Errorf("-trace-reflection -html does not draw the reflection connection")
	}
	expect(t, grpcwire(t, "", "call", "-plaintext", "-html", filepath.Join(page, "no", "dir"), users, "users.Users/CreateUser"), exitUsage, "grpcwire: -html: open ")
}
