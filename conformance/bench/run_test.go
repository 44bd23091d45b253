package bench

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunSmoke runs one tiny round of every section against both servers
// in-process and checks that every measurement produced numbers and that
// the report shows them. It is the harness's test; its figures mean
// nothing.
func TestRunSmoke(t *testing.T) {
	checkNoLeaks(t)
	ws, err := SelectWorkloads("unary-100B-c1,unary-100B-c50-4conns,sstream-100B-x10000,cstream-100B-x10000")
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	res, err := Run(Config{
		Rounds:      1,
		Warmup:      10 * time.Millisecond,
		Duration:    80 * time.Millisecond,
		Workloads:   ws,
		Servers:     true,
		Clients:     true,
		Memory:      true,
		TCP:         true,
		IdleConns:   5,
		IdleStreams: 50,
		Launcher:    InProcLauncher{},
		Progress:    &progress,
		Generator:   "the test",
		Command:     "go test",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Servers) != 2 || res.Servers[0].Load != ImplWire || res.Servers[1].Load != ImplGo {
		t.Fatalf("servers section ran under %+v, want grpcwire's then grpc-go's client", res.Servers)
	}
	for _, sec := range [][]Comparison{res.Servers[0].Comparisons, res.Servers[1].Comparisons, res.Clients} {
		if len(sec) != len(ws) {
			t.Fatalf("%d comparisons, want %d", len(sec), len(ws))
		}
		for _, c := range sec {
			for k, m := range c.Rounds[0] {
				if m.Err != "" {
					t.Errorf("%s with %s failed: %s", c.Workload.Name, Impls[k], m.Err)
					continue
				}
				if m.Ops <= 0 || m.Samples <= 0 || m.P50 <= 0 || m.P99 < m.P50 || m.Server.CPU <= 0 || m.Server.Allocs == 0 {
					t.Errorf("%s with %s: %+v", c.Workload.Name, Impls[k], m)
				}
				if m.Ops != m.Samples*int64(c.Workload.OpsPerSample()) {
					t.Errorf("%s with %s: %d ops from %d samples", c.Workload.Name, Impls[k], m.Ops, m.Samples)
				}
			}
		}
	}
	for k, m := range res.Memory[0] {
		if m.Err != "" {
			t.Errorf("memory of %s failed: %s", Impls[k], m.Err)
		}
		if m.Conn.N != 5 || m.Stream.N != 50 || m.Stream.Goroutines < 0.5 || m.Conn.Goroutines < 0.5 {
			t.Errorf("memory of %s: %+v; want goroutines for every idle conn and stream", Impls[k], m)
		}
	}
	checkFloors(t, res)
	if len(res.Copy) != 1 || res.Copy[0] <= 0 {
		t.Errorf("copy calibration: %v", res.Copy)
	}

	var md bytes.Buffer
	res.Markdown(&md)
	report := md.String()
	for _, want := range []string{
		"| command | `go test` |",
		"## Servers: grpcwire's vs grpc-go's, both driven by grpcwire's client",
		"## Servers: grpcwire's vs grpc-go's, both driven by grpc-go's client",
		"| server | throughput | p50 | p99 | CPU/op | CPU use | generator CPU use |",
		"## Clients: grpcwire's vs grpc-go's",
		"| client | throughput | p50 | p99 | CPU/op | CPU use | server CPU use |",
		"| unary 100 B, 50 concurrent, 4 conns (call) | grpcwire |",
		"| client-streaming 10,000 × 100 B (call of 10,000 msgs) | grpcwire |",
		"| server-streaming 10,000 × 100 B (call of 10,000 msgs) | grpcwire |",
		"| unary-100B-c50-4conns | ",
		"## Memory",
		"## Floors: raw loopback TCP",
		"Copy calibration: the load generator copies 1 MiB blocks",
		"| raw TCP ping-pong 100 B (round trip) | ",
		"| raw TCP stream of 1 MiB messages (call of 64 msgs) | ",
		"| unary-100B-c1 | server, driven by grpcwire's client | tcp-pingpong-100B | ",
		"| unary-100B-c1 | server, driven by grpc-go's client | tcp-pingpong-100B | ",
		"| unary-100B-c1 | client, against grpc-go's server | tcp-pingpong-100B | ",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "## Failures") || strings.Contains(report, "failed") {
		t.Errorf("report shows failures:\n%s", report)
	}
	if n := strings.Count(progress.String(), "\n"); n != 3*2*len(ws)+2+2+1 {
		t.Errorf("%d progress lines, want one per measurement:\n%s", n, progress.String())
	}
}

// TestRunFailures checks that a measurement that cannot be made is
// reported as failed and the run goes on.
func TestRunFailures(t *testing.T) {
	checkNoLeaks(t)
	res, err := Run(Config{
		Rounds:      1,
		Duration:    10 * time.Millisecond,
		Workloads:   Workloads[:1],
		Servers:     true,
		TCP:         true,
		ServerLoads: []string{ImplWire},
		Launcher:    failingLauncher{},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Servers[0].Comparisons[0].Rounds[0] {
		if !strings.Contains(m.Err, "no servers today") {
			t.Errorf("Err = %q, want the launcher's error", m.Err)
		}
	}
	var md bytes.Buffer
	res.Markdown(&md)
	if !strings.Contains(md.String(), "## Failures") || !strings.Contains(md.String(), "| grpcwire | failed |") ||
		!strings.Contains(md.String(), "- round 1, floor tcp-pingpong-100B: bench: no servers today") ||
		!strings.Contains(md.String(), "| raw TCP ping-pong 100 B (round trip) | failed |") {
		t.Errorf("report does not show the failure:\n%s", md.String())
	}
	if _, err := Run(Config{}); err == nil {
		t.Error("Run with an empty config succeeded")
	}
}

type failingLauncher struct{}

func (failingLauncher) Launch(string, string) (Server, error) {
	return nil, errors.New("bench: no servers today")
}
func (failingLauncher) Pinned() string { return "nowhere" }

// TestBidiPingPong runs the bidi workload in both sections, in-process, for
// long enough to cross a thousand round trips. grpc-go's BDP estimator sends
// a PING with nearly every round trip of a ping-pong; grpcwire's transport
// once counted those against its PING flood bucket (1,000, then 100 a
// second) and ended the connection with GOAWAY ENHANCE_YOUR_CALM "flood:
// PING frames", as a server and as a client. This keeps it fixed.
func TestBidiPingPong(t *testing.T) {
	checkNoLeaks(t)
	ws, err := SelectWorkloads("bidi-pingpong-100B")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(Config{Rounds: 1, Duration: 300 * time.Millisecond, Workloads: ws, Servers: true, Clients: true, Launcher: InProcLauncher{}, ServerLoads: []string{ImplGo}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range [][]Comparison{res.Servers[0].Comparisons, res.Clients} {
		for k, m := range sec[0].Rounds[0] {
			if m.Err != "" || m.Ops == 0 {
				t.Errorf("%s: %d round trips, error %q", Impls[k], m.Ops, m.Err)
			}
		}
	}
	if m := res.Servers[0].Comparisons[0].Rounds[0][0]; m.Ops < 1500 {
		t.Logf("only %d round trips against grpcwire's server: too few to cross the old PING burst of 1,000 (a slow machine)", m.Ops)
	}
}

// TestBidiPingPongStaticWindows runs the same workload with grpc-go's static
// windows (-grpcgo-window) on the in-process server and the clients, and
// checks that the report says grpc-go was tuned.
func TestBidiPingPongStaticWindows(t *testing.T) {
	checkNoLeaks(t)
	ws, err := SelectWorkloads("bidi-pingpong-100B")
	if err != nil {
		t.Fatal(err)
	}
	const window = 1 << 20
	res, err := Run(Config{Rounds: 1, Duration: 100 * time.Millisecond, Workloads: ws, Servers: true, Clients: true,
		Launcher: InProcLauncher{GoWindow: window}, GoWindow: window, ServerLoads: []string{ImplGo}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range [][]Comparison{res.Servers[0].Comparisons, res.Clients} {
		for k, m := range sec[0].Rounds[0] {
			if m.Err != "" || m.Ops == 0 {
				t.Errorf("%s: %d round trips, error %q", Impls[k], m.Ops, m.Err)
			}
		}
	}
	var md bytes.Buffer
	res.Markdown(&md)
	if !strings.Contains(md.String(), "static flow control windows of 1048576 bytes") {
		t.Errorf("the report does not say grpc-go was tuned:\n%s", md.String())
	}
}

// TestClientProfiles: with a profile directory, every measurement of the
// clients section leaves a CPU profile of the load generator there, one
// per client library.
func TestClientProfiles(t *testing.T) {
	checkNoLeaks(t)
	ws, err := SelectWorkloads("unary-100B-c1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := Run(Config{
		Rounds:     1,
		Warmup:     10 * time.Millisecond,
		Duration:   80 * time.Millisecond,
		Workloads:  ws,
		Clients:    true,
		Launcher:   InProcLauncher{},
		ProfileDir: dir,
		Generator:  "the test",
		Command:    "go test",
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, impl := range Impls {
		if m := res.Clients[0].Rounds[0][k]; m.Err != "" || m.Ops <= 0 {
			t.Errorf("%s's client: %+v", impl, m)
		}
		path := filepath.Join(dir, "client-"+impl+"-unary-100B-c1-r1.cpu.pprof")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		// A profile is a gzip-compressed protocol buffer.
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			t.Fatalf("%s: %v", path, err)
		}
		b, err := io.ReadAll(zr)
		f.Close()
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes of profile, %v", path, len(b), err)
		}
	}
}
