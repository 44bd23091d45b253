package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// Snapshot is one process's cumulative counters at one instant. The harness
// takes one before and one after a measured window and divides the
// difference by the operations done in between. A server process takes its
// own (control.go) and sends it as JSON; the load generator takes its own.
type Snapshot struct {
	// Wall is the wall clock in Unix nanoseconds.
	Wall int64 `json:"wall"`
	// User and Sys are the CPU time the process used, in nanoseconds, from
	// getrusage(RUSAGE_SELF): every thread, including the garbage collector.
	User int64 `json:"user_ns"`
	Sys  int64 `json:"sys_ns"`
	// VolCtxSw and InvolCtxSw are the context switches of getrusage:
	// voluntary ones are mostly blocking reads and futex waits.
	VolCtxSw   int64 `json:"vol_ctxsw"`
	InvolCtxSw int64 `json:"invol_ctxsw"`
	// Allocs and AllocBytes are the heap allocations since the process
	// started (runtime/metrics /gc/heap/allocs:objects plus
	// /gc/heap/tiny/allocs:objects, so that the count is the one
	// testing.B's allocs/op reports; and /gc/heap/allocs:bytes).
	Allocs     uint64 `json:"allocs"`
	AllocBytes uint64 `json:"alloc_bytes"`
	// HeapLive is the heap marked live by the last GC
	// (/gc/heap/live:bytes); exact right after a forced GC.
	HeapLive uint64 `json:"heap_live"`
	// Stacks is the memory held for goroutine stacks
	// (/memory/classes/heap/stacks:bytes).
	Stacks uint64 `json:"stacks"`
	// Goroutines is how many goroutines exist.
	Goroutines int64 `json:"goroutines"`
	// ReadCalls and WriteCalls count the read and write system calls of
	// the process (syscr and syscw of /proc/self/io, which count read,
	// readv, write, writev and their kin on sockets too, but not epoll or
	// futex); -1 where the kernel does not provide the file.
	ReadCalls  int64 `json:"read_calls"`
	WriteCalls int64 `json:"write_calls"`
	// GOMAXPROCS is the runtime's setting, to show in the report that the
	// pinned process ran on one P.
	GOMAXPROCS int `json:"gomaxprocs"`
}

// metricNames are the runtime/metrics a Snapshot reads, in the order of
// the samples slice.
var metricNames = []string{
	"/gc/heap/allocs:objects",
	"/gc/heap/tiny/allocs:objects",
	"/gc/heap/allocs:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/sched/goroutines:goroutines",
}

var (
	snapMu      sync.Mutex
	snapSamples = func() []metrics.Sample {
		s := make([]metrics.Sample, len(metricNames))
		for i, n := range metricNames {
			s[i].Name = n
		}
		return s
	}()
)

// TakeSnapshot reads the calling process's counters. With gc it first
// forces two garbage collections (the second empties sync.Pool's victim
// caches), so that HeapLive is what is really held.
func TakeSnapshot(gc bool) Snapshot {
	if gc {
		runtime.GC()
		runtime.GC()
	}
	snapMu.Lock()
	defer snapMu.Unlock()
	var s Snapshot
	s.ReadCalls, s.WriteCalls = ioCalls()
	readRusage(&s)
	metrics.Read(snapSamples)
	u := func(i int) uint64 {
		if snapSamples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return snapSamples[i].Value.Uint64()
	}
	s.Allocs = u(0) + u(1)
	s.AllocBytes = u(2)
	s.HeapLive = u(3)
	s.Stacks = u(4)
	s.Goroutines = int64(u(5))
	s.GOMAXPROCS = runtime.GOMAXPROCS(0)
	s.Wall = time.Now().UnixNano()
	return s
}

// ioCalls reads syscr and syscw from /proc/self/io, or -1 and -1.
func ioCalls() (reads, writes int64) {
	reads, writes = -1, -1
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, val, ok := bytes.Cut(sc.Bytes(), []byte(": "))
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(string(val), 10, 64)
		if err != nil {
			continue
		}
		switch string(name) {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return
}

// Delta is what a process did between two Snapshots: the wall time
// between them, its CPU time (user plus system), its heap allocations
// (objects and bytes), its read plus write system calls (-1 if unknown)
// and its context switches (voluntary plus involuntary).
type Delta struct {
	Wall       time.Duration
	CPU        time.Duration
	Allocs     uint64
	AllocBytes uint64
	Syscalls   int64
	CtxSw      int64
}

// Use is the CPU time over elapsed: 1 is one core busy for all of it.
func (d Delta) Use(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(d.CPU) / float64(elapsed)
}

// Sub returns what happened from a to s.
func (s Snapshot) Sub(a Snapshot) Delta {
	d := Delta{
		Wall:       time.Duration(s.Wall - a.Wall),
		CPU:        time.Duration((s.User + s.Sys) - (a.User + a.Sys)),
		Allocs:     s.Allocs - a.Allocs,
		AllocBytes: s.AllocBytes - a.AllocBytes,
		CtxSw:      (s.VolCtxSw + s.InvolCtxSw) - (a.VolCtxSw + a.InvolCtxSw),
		Syscalls:   -1,
	}
	if s.ReadCalls >= 0 && a.ReadCalls >= 0 {
		d.Syscalls = (s.ReadCalls + s.WriteCalls) - (a.ReadCalls + a.WriteCalls)
	}
	return d
}
