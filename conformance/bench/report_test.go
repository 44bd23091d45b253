package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestReportAgainstFloor writes the report of made-up measurements and
// checks the columns the floors and the load generator's CPU add: each
// stack's share of its floor, the multiples of the floor's latencies, and
// a full core on the other side (its own use alone, or with other
// processes' share) in bold and named under the table.
func TestReportAgainstFloor(t *testing.T) {
	w := Workloads[0] // unary-100B-c1, whose floor is the ping-pong
	if w.Name != "unary-100B-c1" {
		t.Fatalf("Workloads[0] is %s", w.Name)
	}
	m := func(ops int, p50, p99 time.Duration, server, gen, genBusy time.Duration) Measurement {
		return Measurement{
			Ops: int64(ops), Samples: int64(ops), Elapsed: time.Second, P50: p50, P99: p99,
			Server: Delta{CPU: server, Syscalls: -1}, Client: Delta{CPU: gen, Syscalls: -1},
			Busy: [2]time.Duration{server, genBusy}, BusyKnown: true,
		}
	}
	us := time.Microsecond
	ms := time.Millisecond
	res := &Results{
		Rounds: 1,
		Servers: []LoadRun{{Load: ImplWire, Comparisons: []Comparison{{Workload: w, Rounds: []Pair{{
			m(10000, 60*us, 200*us, 500*ms, 970*ms, 970*ms), // generator's own use fills its core
			m(5000, 80*us, 160*us, 600*ms, 500*ms, 960*ms),  // other processes fill the rest
		}}}}}},
		Clients: []Comparison{{Workload: w, Rounds: []Pair{{
			m(16000, 50*us, 100*us, 600*ms, 500*ms, 500*ms),
			m(12000, 50*us, 120*us, 500*ms, 600*ms, 600*ms),
		}}}},
		Floors: []FloorRun{
			{Workload: FloorPingPong, Rounds: []Measurement{m(20000, 40*us, 80*us, 600*ms, 600*ms, 600*ms)}},
			{Workload: FloorStream, Rounds: []Measurement{{Err: "no stream today"}}},
		},
		Copy: []float64{20e9},
	}
	var md bytes.Buffer
	res.Markdown(&md)
	report := md.String()
	for _, want := range []string{
		"| unary-100B-c1 | server, driven by grpcwire's client | tcp-pingpong-100B | 50% | 1.50× | 2.50× | 25% | 2.00× | 2.00× |",
		"| unary-100B-c1 | client, against grpc-go's server | tcp-pingpong-100B | 80% | 1.25× | 1.25× | 60% | 1.25× | 1.50× |",
		"| 10.0k calls/s | 60.0µs | 200µs | 50.0µs | 50% | **97%** |",
		"| 5.00k calls/s | 80.0µs | 160µs | 120µs | 60% | **50% (+46%)** |",
		"The generator's core was full (its CPU use, with other processes' on that core in brackets, at least 95%; medians of the rounds) in unary-100B-c1 with grpcwire, unary-100B-c1 with grpc-go",
		"The server's core was less than 95% busy",
		"| raw TCP ping-pong 100 B (round trip) | 20.0k round trips/s | 40.0µs | 80.0µs | 30.0µs | 30.0µs | 60% / 60% | n/a | 0.0 / 0.0 |",
		"| raw TCP stream of 1 MiB messages (call of 64 msgs) | failed |",
		"- round 1, floor tcp-stream-1MiB: no stream today",
		"copies 1 MiB blocks between two 64 MiB buffers at 20.0 GB/s",
		"| failed | | | | | | | |\n\nOther processes took 0%, 0% of the server's CPU and 0%, 0% of the load generator's over these windows",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
}
