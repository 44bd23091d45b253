package conformance

// Many backends, against grpc-go both ways: grpcwire's round_robin client
// over three grpc-go servers with grpc-go's health service, and grpc-go's
// round_robin client (grpc.NewClient), with grpc-go's client-side health
// checking on, over three grpcwire servers with grpcwire's. Both clients get
// the same service config JSON. The grpc-go side of both runs in
// testdata/grpcgo-balancing, a program of its own, because it links grpc-go's
// health package, whose protobuf names grpcwire's health package, linked
// here, also registers.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"grpcwire/client"
	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echoserver"
	"grpcwire/health"
	healthpb "grpcwire/health/grpc_health_v1"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
)

// roundRobinHealthConfig is the service config both clients get: round_robin
// with client-side health checking of the whole server.
const roundRobinHealthConfig = `{"loadBalancingConfig": [{"round_robin": {}}], "healthCheckConfig": {"serviceName": ""}}`

// driven is testdata/grpcgo-balancing, running, asked one line at a time.
type driven struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
	mu    sync.Mutex // one question at a time
	err   strings.Builder
}

// buildBalancing builds testdata/grpcgo-balancing.
func buildBalancing(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "grpcgo-balancing")
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./testdata/grpcgo-balancing").CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/grpcgo-balancing: %v\n%s", err, out)
	}
	return bin
}

// startDriven starts the program and returns it with the lines it printed
// up to "ready".
func startDriven(t *testing.T, bin string, args ...string) (*driven, []string) {
	t.Helper()
	d := &driven{t: t, cmd: exec.Command(bin, args...), lines: make(chan string, 16)}
	d.cmd.Stderr = &d.err
	var err error
	if d.in, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
		close(d.lines)
	}()
	t.Cleanup(func() {
		d.in.Close() // the program exits when stdin closes
		exited := make(chan error, 1)
		go func() { <-read; exited <- d.cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("grpcgo-balancing %v: %v\n%s", args, err, d.err.String())
			}
		case <-time.After(procStopTimeout):
			d.cmd.Process.Kill()
			<-exited
			t.Errorf("grpcgo-balancing did not exit when its stdin closed")
		}
	})
	var before []string
	for {
		line := d.next()
		if line == "ready" {
			return d, before
		}
		before = append(before, line)
	}
}

// next is the program's next line of output.
func (d *driven) next() string {
	d.t.Helper()
	select {
	case line, ok := <-d.lines:
		if !ok {
			d.t.Fatalf("grpcgo-balancing ended:\n%s", d.err.String())
		}
		return line
	case <-time.After(runTimeout):
		d.t.Fatalf("grpcgo-balancing said nothing for %v", runTimeout)
		return ""
	}
}

// ask sends one command and returns the answer.
func (d *driven) ask(cmd string) string {
	d.t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := fmt.Fprintln(d.in, cmd); err != nil {
		d.t.Fatalf("grpcgo-balancing %q: %v", cmd, err)
	}
	answer := d.next()
	if strings.HasPrefix(answer, "error") {
		d.t.Fatalf("grpcgo-balancing %q: %s", cmd, answer)
	}
	return answer
}

// doneCounts parses "done OK FAILED [FIRST ERROR]".
func doneCounts(t *testing.T, answer string) (ok, failed int, first string) {
	t.Helper()
	f := strings.SplitN(answer, " ", 4)
	if len(f) < 3 || f[0] != "done" {
		t.Fatalf("unexpected answer %q", answer)
	}
	ok, _ = strconv.Atoi(f[1])
	failed, _ = strconv.Atoi(f[2])
	if len(f) == 4 {
		first = f[3]
	}
	return ok, failed, first
}

// clientSide makes the calls of the balancing scenario.
type clientSide interface {
	// calls makes n sequential calls and fails the test if one fails.
	calls(t *testing.T, n int)
	// load starts n calls over c goroutines, each taking sleepMs on its
	// server; wait returns how many failed, and the first error.
	load(t *testing.T, n, c int, sleepMs int64) (wait func() (failed int, first string))
}

// serverSide is the three backends of the scenario.
type serverSide interface {
	counts(t *testing.T) []int64
	setServing(t *testing.T, i int, on bool)
	gracefulStop(t *testing.T, i int)
}

// spreadUntil calls, a round of 3*n at a time, until exactly the backends
// in want get calls in a round: round_robin reaches a backend once its
// connection and its first health answer are there, and leaves it one
// round trip after it says NOT_SERVING.
func spreadUntil(t *testing.T, ctx context.Context, c clientSide, s serverSide, want ...int) {
	t.Helper()
	for ctx.Err() == nil {
		before := s.counts(t)
		c.calls(t, 3*len(before))
		got := minus(s.counts(t), before)
		ok := true
		for i := range got {
			if slices.Contains(want, i) != (got[i] > 0) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("the calls never reached exactly backends %v (counts %v)", want, s.counts(t))
}

func minus(a, b []int64) []int64 {
	d := make([]int64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

// spread300 makes 300 calls and returns how they spread.
func spread300(t *testing.T, c clientSide, s serverSide) []int64 {
	t.Helper()
	before := s.counts(t)
	c.calls(t, 300)
	return minus(s.counts(t), before)
}

// checkBalancing is the scenario both directions run: 300 calls spread
// 100/100/100; with one backend NOT_SERVING, 150/0/150; SERVING again,
// 100/100/100; then a graceful stop of one backend under 20 concurrent
// callers costs no call.
func checkBalancing(t *testing.T, c clientSide, s serverSide) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*callTimeout)
	defer cancel()
	spreadUntil(t, ctx, c, s, 0, 1, 2)
	got := spread300(t, c, s)
	t.Logf("300 calls: %v", got)
	if !slices.Equal(got, []int64{100, 100, 100}) {
		t.Errorf("300 calls spread %v, want 100 each", got)
	}

	s.setServing(t, 1, false)
	spreadUntil(t, ctx, c, s, 0, 2)
	got = spread300(t, c, s)
	t.Logf("backend 1 NOT_SERVING, 300 calls: %v", got)
	if !slices.Equal(got, []int64{150, 0, 150}) {
		t.Errorf("with backend 1 NOT_SERVING, 300 calls spread %v, want 150, 0, 150", got)
	}
	s.setServing(t, 1, true)
	spreadUntil(t, ctx, c, s, 0, 1, 2)
	if got := spread300(t, c, s); !slices.Equal(got, []int64{100, 100, 100}) {
		t.Errorf("with backend 1 SERVING again, 300 calls spread %v, want 100 each", got)
	}

	// Each call takes 5 ms on its backend, so that some are in flight on
	// backend 1 when it stops, once it has had 100 of the load's calls.
	const total, callers = 1500, 20
	start := s.counts(t)[1]
	wait := c.load(t, total, callers, 5)
	for s.counts(t)[1]-start < 100 {
		if ctx.Err() != nil {
			t.Fatal("the load never reached backend 1")
		}
		time.Sleep(2 * time.Millisecond) // the load runs meanwhile
	}
	s.gracefulStop(t, 1)
	failed, first := wait()
	t.Logf("graceful stop of backend 1 under %d callers: %d calls, %d failed", callers, total, failed)
	if failed != 0 {
		t.Errorf("%d calls failed during the graceful stop, want none; the first: %s", failed, first)
	}
}

// wireClient is grpcwire's client, in this process.
type wireClient struct {
	ec echopb.EchoClient
}

func (w wireClient) call(sleepMs int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_, err := w.ec.Unary(ctx, &echopb.EchoRequest{Payload: []byte("x"), SleepMs: sleepMs})
	return err
}

func (w wireClient) calls(t *testing.T, n int) {
	t.Helper()
	for range n {
		if err := w.call(0); err != nil {
			t.Fatalf("call: %v", err)
		}
	}
}

func (w wireClient) load(t *testing.T, n, c int, sleepMs int64) func() (int, string) {
	var failed atomic.Int64
	var first atomic.Value
	var next atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := w.call(sleepMs); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	return func() (int, string) {
		wg.Wait()
		s, _ := first.Load().(string)
		return int(failed.Load()), s
	}
}

// drivenServers is grpc-go's three servers in grpcgo-balancing -serve 3.
type drivenServers struct{ d *driven }

func (s drivenServers) counts(t *testing.T) []int64 {
	f := strings.Fields(s.d.ask("counts"))
	var cs []int64
	for _, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		cs = append(cs, n)
	}
	return cs
}

func (s drivenServers) setServing(t *testing.T, i int, on bool) {
	st := "NOT_SERVING"
	if on {
		st = "SERVING"
	}
	s.d.ask(fmt.Sprintf("health %d %s", i, st))
}

func (s drivenServers) gracefulStop(t *testing.T, i int) { s.d.ask(fmt.Sprintf("stop %d", i)) }

// TestGrpcwireRoundRobinOverGrpcGo: grpcwire's client, with round_robin and
// client-side health checking, over three grpc-go servers and grpc-go's
// health service.
func TestGrpcwireRoundRobinOverGrpcGo(t *testing.T) {
	checkNoLeaks(t)
	d, lines := startDriven(t, buildBalancing(t), "-serve", "3")
	var addrs []string
	for _, l := range lines {
		if a, ok := strings.CutPrefix(l, "listening "); ok {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) != 3 {
		t.Fatalf("grpcgo-balancing -serve 3 printed %q", lines)
	}
	cc, err := client.Dial("ipv4:"+strings.Join(addrs, ","), client.WithServiceConfig(roundRobinHealthConfig),
		client.WithBackoff(client.Backoff{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 100 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	checkBalancing(t, wireClient{echopb.NewEchoClient(cc)}, drivenServers{d})
}

// wireBackends are three grpcwire servers in this process, each counting
// its Echo.Unary calls, with grpcwire's health service.
type wireBackends struct {
	calls   []*atomic.Int64
	health  []*health.Server
	stopped []func()
	addrs   []string
}

func startWireBackends(t *testing.T, n int) *wireBackends {
	t.Helper()
	w := &wireBackends{}
	for range n {
		calls := new(atomic.Int64)
		s := server.New(server.ChainUnaryInterceptor(func(ctx context.Context, req proto.Message, info *server.CallInfo, next server.UnaryHandler) (proto.Message, error) {
			calls.Add(1)
			return next(ctx, req)
		}))
		echopb.RegisterEchoServer(s, &echoserver.Wire{})
		hs := health.Register(s)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		stop := testsvc.ServeStoppable(t, s, ln)
		w.calls = append(w.calls, calls)
		w.health = append(w.health, hs)
		w.addrs = append(w.addrs, ln.Addr().String())
		w.stopped = append(w.stopped, func() { stop(true) })
	}
	return w
}

func (w *wireBackends) counts(*testing.T) []int64 {
	cs := make([]int64, len(w.calls))
	for i, c := range w.calls {
		cs[i] = c.Load()
	}
	return cs
}

func (w *wireBackends) setServing(t *testing.T, i int, on bool) {
	st := health.NotServing
	if on {
		st = health.Serving
	}
	w.health[i].SetServingStatus("", st)
}

func (w *wireBackends) gracefulStop(t *testing.T, i int) { w.stopped[i]() }

// drivenClient is grpc-go's client in grpcgo-balancing -client.
type drivenClient struct{ d *driven }

func (c drivenClient) calls(t *testing.T, n int) {
	t.Helper()
	if _, failed, first := doneCounts(t, c.d.ask(fmt.Sprintf("call %d", n))); failed > 0 {
		t.Fatalf("%d of grpc-go's %d calls failed; the first: %s", failed, n, first)
	}
}

func (c drivenClient) load(t *testing.T, n, callers int, sleepMs int64) func() (int, string) {
	c.d.ask(fmt.Sprintf("load %d %d %d", n, callers, sleepMs))
	return func() (int, string) {
		_, failed, first := doneCounts(t, c.d.ask("wait"))
		return failed, first
	}
}

// TestGrpcGoRoundRobinOverGrpcwire: grpc-go's client (grpc.NewClient with
// the same service config, its client-side health checking on) over three
// grpcwire servers with grpcwire's health service.
func TestGrpcGoRoundRobinOverGrpcwire(t *testing.T) {
	checkNoLeaks(t)
	w := startWireBackends(t, 3)
	d, _ := startDriven(t, buildBalancing(t), "-client", strings.Join(w.addrs, ","), "-service-config", roundRobinHealthConfig)
	checkBalancing(t, drivenClient{d}, w)
}

// TestGrpcGoOverUnixSockets: grpc-go's client reaches grpcwire's
// users-server and interop-server through the unix: addresses they listen
// on (-addr unix:PATH, --addr unix:PATH).
func TestGrpcGoOverUnixSockets(t *testing.T) {
	checkNoLeaks(t)
	bins := buildGrpcwire(t, "users-server", "interop-server")
	usersSock := "unix:" + filepath.Join(t.TempDir(), "users.sock")
	if _, addr := startUsersServer(t, bins["users-server"], "-addr", usersSock); addr != usersSock {
		t.Errorf("users-server says it listens on %q, want %s", addr, usersSock)
	}
	if got := seedClientGrpcGo(t, usersSock); got != testsvc.SeedOutput {
		t.Errorf("grpc-go's seed calls to users-server over %s printed:\n%s\nwant:\n%s", usersSock, got, testsvc.SeedOutput)
	}

	sock := "unix:" + filepath.Join(t.TempDir(), "interop.sock")
	srv := startProc(t, "grpcwire interop-server", bins["interop-server"], "--addr="+sock)
	if got := srv.waitListening(t); got != sock {
		t.Errorf("interop-server says it listens on %q, want %s", got, sock)
	}
	cc, err := grpc.NewClient(sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	// grpc-go's health package cannot be linked here (see the top of the
	// file); its codec sends grpcwire's health messages just as well.
	res := new(healthpb.HealthCheckResponse)
	if err := cc.Invoke(callContext(t), "/grpc.health.v1.Health/Check", &healthpb.HealthCheckRequest{}, res); err != nil || res.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("grpc-go's health check of interop-server over %s: %v, %v", sock, res, err)
	}
}
