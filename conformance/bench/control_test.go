package bench

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be a bench server process when
// TestProcLauncher starts it, and a files role when TestFilesSection does,
// the way cmd/bench starts itself.
func TestMain(m *testing.M) {
	switch os.Getenv(testRoleEnv) {
	case "server":
		if err := ServerMain(os.Args[1:], os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	case "files":
		if err := FilesRoleMain(os.Args[1:]); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const testRoleEnv = "GRPCWIRE_BENCH_TEST_ROLE"

// TestControlProtocol drives ServerMain through its standard input and
// output: the address line, every command, an unknown one, and quit.
func TestControlProtocol(t *testing.T) {
	for _, impl := range []string{ImplWire, ImplGo, ImplTCP} {
		t.Run(impl, func(t *testing.T) {
			checkNoLeaks(t)
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- ServerMain([]string{"-impl", impl}, inR, outW)
				outW.Close()
			}()
			lines := bufio.NewScanner(outR)
			next := func() reply {
				t.Helper()
				if !lines.Scan() {
					t.Fatalf("no line from the server: %v", lines.Err())
				}
				var r reply
				if err := json.Unmarshal(lines.Bytes(), &r); err != nil {
					t.Fatalf("line %q: %v", lines.Text(), err)
				}
				return r
			}
			send := func(cmd string) reply {
				t.Helper()
				if _, err := io.WriteString(inW, cmd+"\n"); err != nil {
					t.Fatal(err)
				}
				return next()
			}
			hello := next()
			if !strings.HasPrefix(hello.Addr, "127.0.0.1:") || hello.PID != os.Getpid() {
				t.Fatalf("first line %+v, want a loopback address and this pid", hello)
			}
			s := send(cmdStats)
			if s.Snapshot == nil || s.Snapshot.Allocs == 0 || s.Snapshot.Goroutines == 0 || s.Snapshot.User+s.Snapshot.Sys == 0 {
				t.Fatalf("stats = %+v", s)
			}
			if g := send(cmdGC); g.Snapshot == nil || g.Snapshot.HeapLive == 0 {
				t.Fatalf("gc = %+v", g)
			}
			if e := send("bogus"); !strings.Contains(e.Error, `unknown command "bogus"`) {
				t.Fatalf("bogus = %+v, want an error naming it", e)
			}
			if q := send(cmdQuit); q.Error != "" || q.Snapshot != nil {
				t.Fatalf("quit = %+v, want an empty reply", q)
			}
			inW.Close()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("ServerMain: %v", err)
				}
			case <-time.After(controlBound):
				t.Fatal("ServerMain did not return after quit")
			}
		})
	}
}

func TestServerMainFlags(t *testing.T) {
	for _, args := range [][]string{{"-impl", "nginx"}, {"-nosuchflag"}, {"extra"}} {
		err := ServerMain(args, strings.NewReader(""), io.Discard)
		if err == nil {
			t.Errorf("ServerMain(%q) succeeded", args)
		}
	}
}

// TestProcLauncher starts both servers as child processes (this test
// binary in its server role), pinned when the machine allows, and checks
// that their snapshots are their own.
func TestProcLauncher(t *testing.T) {
	checkNoLeaks(t)
	plan := PlanPinning()
	l := &ProcLauncher{Exe: os.Args[0], Env: []string{testRoleEnv + "=server"}, CPU: plan.Server, Taskset: plan.Taskset}
	for _, impl := range []string{ImplWire, ImplGo} {
		srv, err := l.Launch(impl, "")
		if err != nil {
			t.Fatal(err)
		}
		s, err := srv.Stats(true)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Server >= 0 && s.GOMAXPROCS != 1 {
			t.Errorf("%s: pinned server runs with GOMAXPROCS %d, want 1", impl, s.GOMAXPROCS)
		}
		c, err := dialGo(srv.Addr(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := srv.(*procServer); !ok || p.pid == os.Getpid() || p.pid == 0 {
			t.Fatalf("%s: the server is not a child process: %#v", impl, srv)
		}
		m, err := measure(srv, []Client{c}, Workload{Name: "t", Kind: Unary, Size: SmallSize, Count: 1, Conns: 1, Concurrency: 2}, 0, 50*time.Millisecond, [2]int{plan.Server, plan.Gen})
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if m.Ops == 0 || m.Server.CPU <= 0 || m.Server.Allocs == 0 || m.Client.Allocs == 0 {
			t.Errorf("%s: %+v; want calls, server CPU and allocations on both sides", impl, m)
		}
		if err := srv.Close(); err != nil {
			t.Fatalf("%s: Close: %v", impl, err)
		}
		if _, err := srv.Stats(false); err == nil {
			t.Errorf("%s: Stats after Close succeeded", impl)
		}
	}
	if _, err := l.Launch("nginx", ""); err == nil || !strings.Contains(err.Error(), "unknown implementation") {
		t.Errorf("Launch(nginx) = %v, want the server's complaint", err)
	}
}
