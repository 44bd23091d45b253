package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"grpcwire/internal/testkit/golden"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/trace/tracetest"
)

var update = flag.Bool("update", false, "rewrite the generated sessions of the README's \"Looking at the wire\" from the command's output")

// readmePath is the README, whose generated blocks the test checks.
const readmePath = "../../README.md"

// shownAddr is the server's address in the README's commands: the seed's
// port, where "go run ./cmd/users-server" listens.
const shownAddr = "127.0.0.1:50051"

// connAddrs matches the two addresses of a connection line, which vary from
// run to run; the README shows the seed's server port and a typical client
// port, as the seed's walk-through does.
var connAddrs = regexp.MustCompile(`client 127\.0\.0\.1:[0-9]+, server 127\.0\.0\.1:[0-9]+`)

// session is one command of the README and how its output is shown.
type session struct {
	name string
	args []string // after "grpcwire", with shownAddr for the server
}

// sessions are the README's examples, in its order.
var sessions = []session{
	{"list", []string{"list", "-plaintext", shownAddr}},
	{"describe", []string{"describe", "-plaintext", shownAddr, "users.Users/GetUsers"}},
	{"createuser", []string{"call", "-plaintext", "-trace", "-trace-times=false", "-trace-values", "-H", "ip: 127.0.0.1",
		shownAddr, "users.Users/CreateUser", `{"username": "tom"}`}},
	{"getusers", []string{"call", "-plaintext", "-trace", "-trace-times=false", shownAddr, "users.Users/GetUsers",
		`{"user": [{"username": "alexa", "userId": 1}, {"username": "christie", "userId": 1}]}`}},
	{"error", []string{"call", "-plaintext", "-trace", "-trace-times=false", shownAddr, "users.Users/CreateUser", `{"username": ""}`}},
}

// TestCLIReadme fails when a generated session of "Looking at the wire" is
// not what the command prints now against the seed's users-server. go test
// -run TestCLIReadme -update rewrites the sessions.
func TestCLIReadme(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	addr := startUsersServer(t)

	blocks := map[string]string{}
	for _, s := range sessions {
		blocks[s.name] = renderSession(t, s, addr)
	}
	golden.Blocks(t, readmePath, "cli", blocks, *update, "(in cmd/grpcwire) go test -run TestCLIReadme -update")
}

// renderSession runs one session against the server at addr and writes it
// as the README shows it: the command and its stdout, then its stderr (the
// trace, in canonicalTrace's order, and the status), then its exit
// code when it is not 0.
func renderSession(t *testing.T, s session, addr string) string {
	t.Helper()
	args := make([]string, 0, len(s.args)+2)
	for _, a := range s.args {
		if a == shownAddr {
			// What the shown command sends as :authority, so that the
			// request headers are byte for byte the shown command's.
			args = append(args, "-authority", shownAddr, addr)
			continue
		}
		args = append(args, a)
	}
	r := grpcwire(t, "", args...)
	if r.stdout == "" && r.stderr == "" {
		t.Fatalf("the %s session printed nothing\n%s", s.name, r)
	}
	var b strings.Builder
	b.WriteString("```console\n$ grpcwire " + shellQuote(s.args) + "\n" + r.stdout + "```\n")
	if r.stderr != "" {
		trace, rest := splitStderr(r.stderr)
		b.WriteString("\nOn stderr:\n\n```text\n")
		b.WriteString(connAddrs.ReplaceAllString(readmeTrace(trace), "client 127.0.0.1:54321, server "+shownAddr))
		b.WriteString(rest)
		b.WriteString("```\n")
	}
	if r.code != exitOK {
		fmt.Fprintf(&b, "\nThe command exits with status %d.\n", r.code)
	}
	return b.String()
}

// readmeTrace is a trace as the README shows it: in tracetest.Causal's
// order (the order a run most often prints: no SETTINGS ACK before the
// SETTINGS it acknowledges), the streams after the connection's opening,
// and the client's closing GOAWAY last, where the command writes it.
func readmeTrace(trace string) string {
	var b, last strings.Builder
	for _, f := range tracetest.Parse(tracetest.Causal(trace)) {
		if f.Type == "GOAWAY" && f.Sent {
			last.WriteString(f.Text)
			continue
		}
		b.WriteString(f.Text)
	}
	return b.String() + last.String()
}

// traceStart matches the first line of a trace item: a connection line or
// a frame line.
var traceStart = regexp.MustCompile(`^c[0-9]+ `)

// splitStderr separates the trace in a command's stderr (each item's line
// and its indented detail) from the rest (the status), keeping each in
// order.
func splitStderr(s string) (trace, rest string) {
	var tb, rb strings.Builder
	inTrace := false
	for line := range strings.Lines(s) {
		switch {
		case traceStart.MatchString(line):
			inTrace = true
			tb.WriteString(line)
		case inTrace && strings.HasPrefix(line, " "):
			tb.WriteString(line)
		default:
			inTrace = false
			rb.WriteString(line)
		}
	}
	return tb.String(), rb.String()
}

// shellQuote writes args as a person types them in a POSIX shell.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// Bounds on the seed's server that the README test runs.
const (
	buildTimeout = 5 * time.Minute
	startTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
)

// listening is the line users-server prints on stderr once it accepts
// connections.
var listening = regexp.MustCompile(`^users-server: listening on (\S+)`)

// startUsersServer builds the seed's cmd/users-server from the root module,
// starts it on a free loopback port, and stops it (SIGTERM, a graceful
// stop) when t ends. It returns the server's address.
func startUsersServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "users-server")
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/users-server")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/users-server: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-health", "-reflection")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	done := make(chan struct{}) // closed once waitErr is set
	addrc := make(chan string, 1)
	go func() {
		// Reading stderr to its end lets Wait return; the first line
		// names the address.
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
		waitErr = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			if waitErr != nil {
				t.Errorf("users-server: %v", waitErr)
			}
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("users-server did not stop within %v of SIGTERM", stopTimeout)
		}
	})
	select {
	case addr := <-addrc:
		return addr
	case <-done:
		t.Fatalf("users-server exited before listening: %v", waitErr)
	case <-time.After(startTimeout):
		t.Fatalf("users-server did not listen within %v", startTimeout)
	}
	return ""
}
