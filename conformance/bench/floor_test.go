package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"
	"time"
)

// echoFrame is a length-prefixed ping-pong message of n bytes.
func echoFrame(n int) []byte {
	b := make([]byte, echoPrefix+n)
	binary.BigEndian.PutUint32(b, uint32(n))
	return b
}

func TestReadEchoFrame(t *testing.T) {
	buf := make([]byte, echoPrefix+maxPayload)
	for _, tc := range []struct {
		name string
		in   io.Reader
		size int
		err  string // "" for none; errEchoTooLarge is matched with errors.Is
	}{
		{"100 B whole", bytes.NewReader(echoFrame(100)), 100, ""},
		{"100 B a byte at a time", iotest.OneByteReader(bytes.NewReader(echoFrame(100))), 100, ""},
		{"empty payload", bytes.NewReader(echoFrame(0)), 0, ""},
		{"1 MiB", iotest.HalfReader(bytes.NewReader(echoFrame(maxPayload))), maxPayload, ""},
		{"too large", bytes.NewReader(echoFrame(maxPayload + 1)[:echoPrefix]), 0, "too large"},
		{"a second request before the answer", bytes.NewReader(append(echoFrame(100), echoFrame(100)...)), 0, "before it was answered"},
		{"cut in the prefix", bytes.NewReader(echoFrame(100)[:2]), 0, io.ErrUnexpectedEOF.Error()},
		{"cut in the payload", bytes.NewReader(echoFrame(100)[:50]), 0, io.ErrUnexpectedEOF.Error()},
		{"nothing", bytes.NewReader(nil), 0, io.EOF.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := readEchoFrame(tc.in, buf)
			switch {
			case tc.err == "too large":
				if !errors.Is(err, errEchoTooLarge) {
					t.Fatalf("err = %v, want errEchoTooLarge", err)
				}
			case tc.err != "":
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.err)) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
			case err != nil || n != tc.size:
				t.Fatalf("readEchoFrame = %d, %v; want %d", n, err, tc.size)
			}
		})
	}
}

// FuzzEchoFrame feeds the ping-pong server's reader arbitrary bytes: it
// returns a payload length no larger than maxPayload that the input holds
// whole, or an error, and never reads past the buffer.
func FuzzEchoFrame(f *testing.F) {
	f.Add(echoFrame(100))
	f.Add(echoFrame(0))
	f.Add(echoFrame(maxPayload + 1)[:echoPrefix])
	f.Add(append(echoFrame(3), 1, 2, 3, 4))
	f.Add([]byte{0, 0})
	buf := make([]byte, echoPrefix+maxPayload)
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := readEchoFrame(iotest.HalfReader(bytes.NewReader(in)), buf)
		if err != nil {
			return
		}
		if n > maxPayload || echoPrefix+n != len(in) || int(binary.BigEndian.Uint32(in)) != n {
			t.Fatalf("read a %d-byte payload from %d bytes", n, len(in))
		}
	})
}

// checkFloors checks a run's floors: measured in every round, with
// latencies and CPU, and, for the ping-pong, no allocation and the
// netpoller's three system calls per side per round trip at most. With an
// in-process server both sides count in the one process.
func checkFloors(t *testing.T, res *Results) {
	t.Helper()
	if len(res.Floors) != 2 || res.Floors[0].Workload.Name != FloorPingPong.Name || res.Floors[1].Workload.Name != FloorStream.Name {
		t.Fatalf("floors %+v, want the ping-pong and the stream", res.Floors)
	}
	for _, f := range res.Floors {
		for r, m := range f.Rounds {
			if m.Err != "" || m.Ops <= 0 || m.P50 <= 0 || m.P99 < m.P50 || m.Server.CPU <= 0 || m.Client.CPU <= 0 {
				t.Errorf("floor %s, round %d: %+v", f.Workload.Name, r+1, m)
				continue
			}
			if m.Ops != m.Samples*int64(f.Workload.OpsPerSample()) {
				t.Errorf("floor %s: %d ops from %d samples", f.Workload.Name, m.Ops, m.Samples)
			}
		}
	}
	pp := res.Floors[0].Rounds[0]
	if pp.Err != "" {
		return
	}
	if perOp := pp.perOp(float64(pp.Client.Allocs)); perOp > 0.05 {
		t.Errorf("the ping-pong floor made %d allocations in %d round trips: a floor must not allocate", pp.Client.Allocs, pp.Ops)
	}
	if pp.Client.Syscalls >= 0 {
		if perOp := pp.perOp(float64(pp.Client.Syscalls)); perOp > 6.5 {
			t.Errorf("the ping-pong floor made %.2f system calls per round trip on both sides, want at most 6", perOp)
		}
	}
}

// TestFloorServers runs both floors' servers as child processes, pinned
// when the machine allows, and checks from the server's own counters that
// the ping-pong server allocates nothing and makes at most three system
// calls per round trip, and that the stream carries its messages.
func TestFloorServers(t *testing.T) {
	checkNoLeaks(t)
	plan := PlanPinning()
	// GORACE: a server built with -race would sleep a second at exit.
	l := &ProcLauncher{Exe: os.Args[0], Env: []string{testRoleEnv + "=server", "GORACE=atexit_sleep_ms=0"}, CPU: plan.Server, Taskset: plan.Taskset}
	for _, tc := range []struct {
		impl string
		w    Workload
	}{{ImplTCPEcho, FloorPingPong}, {ImplTCP, FloorStream}} {
		srv, err := l.Launch(tc.impl, "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := dialTCP(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		m, err := measure(srv, []Client{c}, tc.w, 20*time.Millisecond, 200*time.Millisecond, [2]int{-1, -1})
		c.Close()
		if cerr := srv.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.impl, err)
		}
		if m.Ops == 0 || m.Server.CPU <= 0 || m.Client.CPU <= 0 {
			t.Fatalf("%s: %+v", tc.impl, m)
		}
		t.Logf("%s: %s, p50 %s, server CPU/op %s, server syscalls %d, allocs %d; client allocs %d", tc.impl, formatRate(tc.w, m.Rate()),
			formatDuration(m.P50), formatDuration(time.Duration(m.perOp(float64(m.Server.CPU)))), m.Server.Syscalls, m.Server.Allocs, m.Client.Allocs)
		if tc.impl != ImplTCPEcho {
			continue
		}
		// The control protocol's stats commands around the window cost the
		// server a few allocations and system calls of their own.
		if m.Ops < 200 {
			t.Logf("only %d round trips: a loaded machine; too few to check the counts", m.Ops)
			continue
		}
		if m.Server.Allocs > 100 || m.Client.Allocs > 20 {
			t.Errorf("the ping-pong floor allocated: %d in the server, %d in the client, in %d round trips", m.Server.Allocs, m.Client.Allocs, m.Ops)
		}
		if m.Server.Syscalls >= 0 && m.perOp(float64(m.Server.Syscalls)) > 3.1 {
			t.Errorf("the ping-pong server made %.2f system calls per round trip, want at most 3", m.perOp(float64(m.Server.Syscalls)))
		}
	}
}
