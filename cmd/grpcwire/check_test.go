package main

import (
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/cmd/grpcwire/internal/check"
	"grpcwire/health"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/interop"
	"grpcwire/reflection"
	"grpcwire/server"
	"grpcwire/userspb"
)

// startInteropServer starts what cmd/interop-server serves, in this
// process: TestService, reflection and health, on the default options.
func startInteropServer(t *testing.T, opts ...server.Option) string {
	t.Helper()
	s := server.New(opts...)
	(&interop.TestServer{ServerID: "grpcwire-interop-server"}).Register(s)
	reflection.Register(s)
	health.Register(s)
	return testsvc.Serve(t, s)
}

// checkLine is one result line of grpcwire check.
var checkLine = regexp.MustCompile(`(?m)^(pass|fail|skip)  (\S+) +(.*)$`)

// results returns the result of every check the output names, by ID.
func results(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, m := range checkLine.FindAllStringSubmatch(out, -1) {
		got[m[2]] = m[1]
	}
	return got
}

// summaryLine is what the output must end with for these counts.
func summaryLine(p, f, s int) string {
	return strconv.Itoa(p) + " passed, " + strconv.Itoa(f) + " failed, " + strconv.Itoa(s) + " skipped\n"
}

// TestCheckGrpcwireInteropServer pins the whole catalogue against
// grpcwire's interop server, in cleartext and over TLS: every check
// passes, none is skipped.
func TestCheckGrpcwireInteropServer(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cfg, err := interop.ServerTLSConfig("", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		flags []string
		opts  []server.Option
	}{
		{"cleartext", []string{"-plaintext"}, nil},
		{"TLS", []string{"-insecure-skip-verify"}, []server.Option{server.TLS(cfg)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := startInteropServer(t, tc.opts...)
			r := grpcwire(t, "", append(append([]string{"check"}, tc.flags...), addr)...)
			expect(t, r, exitOK, "grpc.testing.TestService", summaryLine(len(check.Catalogue), 0, 0))
			got := results(t, r.stdout)
			for _, c := range check.Catalogue {
				if got[c.ID] != "pass" {
					t.Errorf("%s: %q, want pass\n%s", c.ID, got[c.ID], r.stdout)
				}
			}
		})
	}
}

// TestCheckJSON: -json prints one object with every check, its sentence,
// the document's address and the counts.
func TestCheckJSON(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInteropServer(t)
	r := grpcwire(t, "", "check", "-plaintext", "-json", addr)
	expect(t, r, exitOK)
	var rep check.JSONReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("-json output is not one JSON object: %v\n%s", err, r.stdout)
	}
	if rep.Target != addr || rep.Passed != len(check.Catalogue) || rep.Failed != 0 || rep.Skipped != 0 || len(rep.Checks) != len(check.Catalogue) {
		t.Fatalf("report %+v, want %d checks passed against %s", rep, len(check.Catalogue), addr)
	}
	for i, c := range rep.Checks {
		want := check.Catalogue[i]
		if c.ID != want.ID || c.Ref != want.Ref || c.Result != check.Pass || !strings.HasPrefix(c.URL, "https://") {
			t.Errorf("check %d = %+v, want %s passed with %v", i, c, want.ID, want.Ref)
		}
	}
}

// TestCheckRunAndList: -run selects checks by ID; -list prints the
// catalogue without a server.
func TestCheckRunAndList(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startInteropServer(t)
	r := grpcwire(t, "", "check", "-plaintext", "-run", "^(ping|cardinality-.*)$", addr)
	expect(t, r, exitOK, summaryLine(3, 0, 0))
	if got := results(t, r.stdout); len(got) != 3 || got["ping"] != "pass" || got["cardinality-zero"] != "pass" || got["cardinality-two"] != "pass" {
		t.Errorf("-run selected %v\n%s", got, r.stdout)
	}
	r = grpcwire(t, "", "check", "-list")
	expect(t, r, exitOK)
	for _, c := range check.Catalogue {
		if !strings.Contains(r.stdout, c.ID+"\t"+c.What+"\t"+c.Ref.String()+"\n") {
			t.Errorf("-list lacks %s\n%s", c.ID, r.stdout)
		}
	}
}

// TestCheckWithoutTestService: against a server without TestService its
// checks skip, saying why; against one without any method to call (no
// TestService, health or reflection), the checks that need a call skip
// too, and the rest still run.
func TestCheckWithoutTestService(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	withHealth := server.New()
	health.Register(withHealth)
	reflection.Register(withHealth)
	usersOnly := server.New()
	userspb.RegisterUsersServer(usersOnly, usersServer{})

	r := grpcwire(t, "", "check", "-plaintext", testsvc.Serve(t, withHealth))
	got := results(t, r.stdout)
	expect(t, r, exitOK, "no grpc.testing.TestService (its checks skip)", "probe method /grpc.health.v1.Health/Check",
		"skip  cardinality-zero", "skipped: the server does not serve grpc.testing.TestService (/grpc.testing.TestService/EmptyCall: grpc-status 12 UNIMPLEMENTED")
	for _, c := range check.Catalogue {
		want := "pass"
		if c.Needs == check.NeedsTestService {
			want = "skip"
		}
		if got[c.ID] != want {
			t.Errorf("with health: %s = %q, want %s", c.ID, got[c.ID], want)
		}
	}

	r = grpcwire(t, "", "check", "-plaintext", testsvc.Serve(t, usersOnly))
	got = results(t, r.stdout)
	expect(t, r, exitOK, "no method to call", "skipped: no method of the server could be called to succeed")
	for _, c := range check.Catalogue {
		want := "pass"
		if c.Needs != check.NeedsNothing {
			want = "skip"
		}
		if got[c.ID] != want {
			t.Errorf("users only: %s = %q, want %s", c.ID, got[c.ID], want)
		}
	}
}

// liar is a server that answers every request, whatever it is, as a
// successful call with one empty message: it serves TestService's
// EmptyCall, so every check runs, and most must fail. It is x/net's own
// HTTP/2 server, which treats malformed requests (connection headers, upper
// case names, unknown pseudo-headers) as RFC 9113 asks.
type liar struct{}

func (liar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("Trailer", "Grpc-Status")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte{0, 0, 0, 0, 0})
	w.Header().Set("Grpc-Status", "0")
}

// quietHTTP keeps x/net's server from logging the connection errors that
// the checks provoke on purpose.
var quietHTTP = &http.Server{ErrorLog: log.New(io.Discard, "", 0)}

// startLiar serves liar on a loopback port with prior-knowledge HTTP/2.
func startLiar(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				(&http2.Server{}).ServeConn(c, &http2.ServeConnOpts{Handler: liar{}, BaseConfig: quietHTTP})
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestCheckFindsDeviations runs the catalogue against the liar: the checks
// whose sentence it breaks fail with what was expected and what came, the
// exit code is 1, and -v prints the frames of each failing check.
func TestCheckFindsDeviations(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startLiar(t)
	r := grpcwire(t, "", "check", "-plaintext", "-v", "-timeout", "5s", addr)
	expect(t, r, exitStatus,
		"fail  unimplemented-service",
		"expected grpc-status 12 UNIMPLEMENTED (the service does not exist); got grpc-status 0 OK, messages: 1 in 1 DATA frames",
		"fail  cardinality-zero",
		"fail  content-type-not-grpc",
		"expected HTTP 415 (Unsupported Media Type) for content-type application/json; got grpc-status 0 OK",
		"fail  status-message-encoding",
		"fail  length-4gib",
		"fail  deadline",
		// The trace of a failing check, indented under its line.
		"      +",
		"c1 -> HEADERS       stream=1 flags=END_HEADERS",
		":path = /grpcwire.check.NoSuchService/NoSuchMethod",
	)
	got := results(t, r.stdout)
	// x/net's server itself rejects malformed requests and answers PINGs.
	for _, id := range []string{"connection-header", "uppercase-header", "pseudo-unknown", "pseudo-after-regular", "ping"} {
		if got[id] != "pass" {
			t.Errorf("%s = %q, want pass (x/net's server)", id, got[id])
		}
	}
	if got["trailers-only"] != "fail" || got["ok-status-in-trailers"] != "pass" {
		t.Errorf("trailers-only %q (want fail), ok-status-in-trailers %q (want pass)", got["trailers-only"], got["ok-status-in-trailers"])
	}
	p, f, s := 0, 0, 0
	for _, v := range got {
		switch v {
		case "pass":
			p++
		case "fail":
			f++
		case "skip":
			s++
		}
	}
	if p+f+s != len(check.Catalogue) || !strings.HasSuffix(r.stdout, summaryLine(p, f, s)) {
		t.Errorf("%d lines for %d checks, or a summary that does not count them (%d, %d, %d)\n%s", p+f+s, len(check.Catalogue), p, f, s, r.stdout)
	}
}

// TestCheckUsage: mistakes on the command line and a server that cannot be
// reached exit with 2 and say what is wrong.
func TestCheckUsage(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	closed := testsvc.ClosedAddr(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "usage: grpcwire check [flags] ADDR"},
		{[]string{"check", "-plaintext", "localhost"}, "is not host:port"},
		{[]string{"check", "-plaintext", "-run", "(", "localhost:1"}, "-run: error parsing regexp"},
		{[]string{"check", "-plaintext", "-cacert", "x.pem", "localhost:1"}, "-cacert, -servername and -insecure-skip-verify are TLS settings"},
		{[]string{"check", "-plaintext", closed}, "cannot check " + closed},
	} {
		expect(t, grpcwire(t, "", tc.args...), exitUsage, tc.want)
	}
}

// TestCommandNeedsNoTestKit: the command's check layer is its own scripted
// client, not the test kit h2test, so that the binary links neither it nor
// package testing.
func TestCommandNeedsNoTestKit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" || strings.Contains(dep, "/testkit/") {
			t.Errorf("the grpcwire command depends on %s", dep)
		}
	}
}
