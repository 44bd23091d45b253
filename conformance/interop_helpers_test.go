package conformance

// Helpers of the interop, health and reflection tests, which run programs:
// grpcwire's interop server and client (built from the root module), and
// grpc-go's interop server and client, grpcurl and grpc-health-probe (the
// tools pinned in go.mod, built by "go tool").

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"grpcwire/internal/testkit/testio"
)

// The tools' package paths, as go.mod's tool directives name them.
const (
	toolGRPCGoInteropServer = "google.golang.org/grpc/interop/server"
	toolGRPCGoInteropClient = "google.golang.org/grpc/interop/client"
	toolGrpcurl             = "github.com/fullstorydev/grpcurl/cmd/grpcurl"
	toolHealthProbe         = "github.com/grpc-ecosystem/grpc-health-probe"
	// toolGRPCGoNegativeClient is grpc-go's client of
	// doc/negative-http2-interop-test-descriptions.md.
	toolGRPCGoNegativeClient = "google.golang.org/grpc/interop/http2"
)

// Bounds on the programs the tests run.
const (
	// procStartTimeout bounds a server's start, from exec to accepting
	// connections.
	procStartTimeout = 30 * time.Second
	// procStopTimeout bounds a server's graceful exit after SIGTERM,
	// before it is killed.
	procStopTimeout = 15 * time.Second
	// runTimeout bounds one run of a client program.
	runTimeout = 60 * time.Second
	// buildTimeout bounds one go build or go tool -n.
	buildTimeout = 5 * time.Minute
)

// toolPaths caches "go tool -n" answers: the executables sit in the Go
// build cache, so they outlive the test run and are built once.
var toolPaths sync.Map // package path → *toolPath

type toolPath struct {
	once sync.Once
	path string
	err  error
}

// allTools are the tools these tests run, built together on first use.
var allTools = []string{toolGRPCGoInteropServer, toolGRPCGoInteropClient, toolGrpcurl, toolHealthProbe, toolGRPCGoNegativeClient}

// prewarm builds every tool of allTools at once the first time any is
// asked for: on a cold build cache the four share most of their
// dependencies and build in a fraction of the time of four builds in a row,
// which keeps the package within go test's default timeout.
var prewarm sync.Once

// goTool returns the path of the executable of a tool of this module,
// building it if the cache does not hold it yet.
func goTool(t *testing.T, pkg string) string {
	t.Helper()
	prewarm.Do(func() {
		var wg sync.WaitGroup
		for _, p := range allTools {
			wg.Go(func() { lookupTool(p) })
		}
		wg.Wait()
	})
	tp := lookupTool(pkg)
	if tp.err != nil {
		t.Fatal(tp.err)
	}
	return tp.path
}

// lookupTool runs "go tool -n pkg" once per test binary.
func lookupTool(pkg string) *toolPath {
	v, _ := toolPaths.LoadOrStore(pkg, new(toolPath))
	tp := v.(*toolPath)
	tp.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "tool", "-n", pkg).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%v: %s", err, ee.Stderr)
			}
			tp.err = fmt.Errorf("go tool -n %s: %w", pkg, err)
			return
		}
		tp.path = strings.TrimSpace(string(out))
	})
	return tp
}

// buildGrpcwire builds the root module's commands (paths under cmd/) into
// a temporary directory of t and returns their paths by name.
func buildGrpcwire(t *testing.T, cmds ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, c := range cmds {
		args = append(args, "grpcwire/cmd/"+c)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = ".." // the root module, so its own go.mod decides the build
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	paths := make(map[string]string, len(cmds))
	for _, c := range cmds {
		paths[c] = filepath.Join(dir, c)
	}
	return paths
}

// grpcGoDir returns the directory of the grpc-go module, whose testdata
// holds the test certificates its interop programs use.
var grpcGoDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "google.golang.org/grpc").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m google.golang.org/grpc: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
})

// grpcGoCert returns the path of one of grpc-go's x509 test files.
func grpcGoCert(t *testing.T, name string) string {
	t.Helper()
	dir, err := grpcGoDir()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "testdata", "x509", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("grpc-go's test certificate: %v", err)
	}
	return p
}

// proc is a server program running for a test.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *testio.Buffer // stdout and stderr
	done chan struct{}
	err  error // Wait's result, once done is closed
	addr string
}

// startProc starts a server program; stop, which the test's cleanup also
// calls, ends it.
func startProc(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: new(testio.Buffer), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends the program with SIGTERM, then SIGKILL if it has not exited
// within procStopTimeout, and returns Wait's error.
func (p *proc) stop(t *testing.T) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(procStopTimeout):
		t.Errorf("%s did not exit within %v of SIGTERM; killing it. Its output:\n%s", p.name, procStopTimeout, p.out)
		p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// listenLine is the line grpcwire's interop-server prints once it accepts
// connections.
var listenLine = regexp.MustCompile(`interop-server: listening on (\S+)`)

// waitListening waits for grpcwire's interop-server to print its address.
func (p *proc) waitListening(t *testing.T) string {
	t.Helper()
	p.addr = p.waitLine(t, listenLine)[1]
	return p.addr
}

// waitLine waits until the program's output matches re, and returns the
// match and its submatches; it fails the test if the program exits first
// or nothing matches within procStartTimeout. The output is the only sign
// that a program is ready: it is looked at again at each write.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	var m []string
	p.waitUntil(t, fmt.Sprintf("matching %v", re), procStartTimeout, func(out string) bool {
		m = re.FindStringSubmatch(out)
		return m != nil
	})
	return m
}

// waitUntil waits until done holds of the program's output, looking again
// at each write; it fails the test, saying that nothing printed is what,
// if the program exits first or timeout passes.
func (p *proc) waitUntil(t *testing.T, what string, timeout time.Duration, done func(out string) bool) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		changed := p.out.Changed()
		if done(p.out.String()) {
			return
		}
		select {
		case <-changed:
		case <-p.done:
			if done(p.out.String()) {
				return
			}
			t.Fatalf("%s exited before printing anything %s (%v):\n%s", p.name, what, p.err, p.out)
		case <-timer.C:
			t.Fatalf("%s printed nothing %s within %v:\n%s", p.name, what, timeout, p.out)
		}
	}
}

// waitTCP waits until addr accepts TCP connections: grpc-go's interop
// server prints nothing when it is ready.
func (p *proc) waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(procStartTimeout)
	for pause := time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			p.addr = addr
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before listening (%v):\n%s", p.name, p.err, p.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not accept connections on %s within %v: %v\n%s", p.name, addr, procStartTimeout, err, p.out)
		}
		time.Sleep(pause)
	}
}

// freePort returns a loopback port that was free a moment ago, for a
// program that must be told its port (grpc-go's interop server).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// runResult is how a program run ended.
type runResult struct {
	code int    // exit code; -1 when it did not exit normally
	out  string // stdout and stderr
}

// run runs a program to its end, within runTimeout.
func run(t *testing.T, bin string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.CombinedOutput()
	res := runResult{out: string(out)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("run %s: %v", filepath.Base(bin), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not finish within %v:\n%s", filepath.Base(bin), strings.Join(args, " "), runTimeout, out)
	}
	return res
}

// hostPort splits addr, failing t if it is not host:port.
func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}
