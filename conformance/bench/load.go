package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"grpcwire/conformance/benchpb"
)

// Measurement is one measured window of one workload: what the load
// generator counted and what the server and client processes did.
type Measurement struct {
	// Ops is the operations completed (Workload.Unit), Samples the latency
	// samples (Workload.LatencyOf), Elapsed the window's real length: it
	// ends when the last caller's last call does.
	Ops     int64
	Samples int64
	Elapsed time.Duration
	P50     time.Duration
	P99     time.Duration
	// Server and Client are the two processes' counters over the window.
	// With an in-process server both are the same process.
	Server Delta
	Client Delta
	// Busy is how long the server's CPU and the load generator's were busy
	// over the window, whoever ran on them (/proc/stat), when BusyKnown:
	// what is beyond the two processes' own CPU time is other processes'
	// on a shared machine (Others).
	Busy      [2]time.Duration
	BusyKnown bool
	// Err is why the measurement failed, or "".
	Err string
}

// Rate is operations per second.
func (m Measurement) Rate() float64 {
	if m.Elapsed <= 0 {
		return 0
	}
	return float64(m.Ops) / m.Elapsed.Seconds()
}

// Others is the share of each of the two CPUs (the server's, the load
// generator's) that other processes took over the window, and whether it
// is known. Both /proc/stat and getrusage are sampled at the kernel's
// tick, so a share of a few percent is within their error.
func (m Measurement) Others() (server, gen float64, ok bool) {
	if !m.BusyKnown || m.Elapsed <= 0 {
		return 0, 0, false
	}
	share := func(busy, own time.Duration) float64 {
		return max(0, float64(busy-own)/float64(m.Elapsed))
	}
	return share(m.Busy[0], m.Server.CPU), share(m.Busy[1], m.Client.CPU), true
}

// othersNote is the progress line's note of other processes' share of the
// two CPUs, when known.
func (m Measurement) othersNote() string {
	s, g, ok := m.Others()
	if !ok {
		return ""
	}
	return fmt.Sprintf("; others took %.0f%% and %.0f%%", 100*s, 100*g)
}

// perOp divides a window's total by its operations.
func (m Measurement) perOp(total float64) float64 {
	if m.Ops == 0 {
		return 0
	}
	return total / float64(m.Ops)
}

// driver runs one workload's callers over a set of connections; its
// histograms and messages are allocated once, before any window, so that
// the load generator allocates nothing of its own while measured.
type driver struct {
	w       Workload
	clients []Client
	hists   []Histogram
	req     *benchpb.Payload
	sreq    *benchpb.StreamRequest
}

func newDriver(w Workload, clients []Client) *driver {
	return &driver{
		w:       w,
		clients: clients,
		hists:   make([]Histogram, w.Concurrency),
		req:     &benchpb.Payload{Payload: make([]byte, w.Size)},
		sreq:    &benchpb.StreamRequest{Count: int32(w.Count), Size: int32(w.Size)},
	}
}

// window is what one run of the callers did.
type window struct {
	ops, samples int64
	elapsed      time.Duration
	hist         Histogram
}

// run starts the workload's callers and lets each start calls for d; it
// returns once all have finished their last call. Calls carry no deadline
// (a deadline would make both servers arm a timer per call, which is not
// what is measured); a watchdog cancels them all if the window overruns d
// by callBound.
func (dr *driver) run(d time.Duration) (window, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watchdog := time.AfterFunc(d+callBound, cancel)
	defer watchdog.Stop()

	n := dr.w.Concurrency
	ops := make([]int64, n)
	var (
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	budget := int64(maxOpsPerWindow / n)
	start := time.Now()
	for i := range n {
		dr.hists[i].Reset()
		wg.Go(func() {
			var err error
			ops[i], err = dr.caller(ctx, i, start, d, budget)
			if err != nil {
				errOnce.Do(func() { firstErr = err; cancel() })
			}
		})
	}
	wg.Wait()
	win := window{elapsed: time.Since(start)}
	if firstErr != nil {
		return win, firstErr
	}
	for i := range n {
		win.ops += ops[i]
		win.hist.Merge(&dr.hists[i])
	}
	win.samples = int64(win.hist.Count())
	return win, nil
}

// caller is one of the workload's concurrent callers.
func (dr *driver) caller(ctx context.Context, i int, start time.Time, d time.Duration, budget int64) (int64, error) {
	c := dr.clients[i%len(dr.clients)]
	h := &dr.hists[i]
	per := int64(dr.w.OpsPerSample())
	var pp PingPong
	if dr.w.Kind == Bidi {
		var err error
		if pp, err = c.Bidi(ctx); err != nil {
			return 0, fmt.Errorf("starting the bidi call: %w", err)
		}
	}
	var ops int64
	for ops < budget {
		t0 := time.Now()
		if t0.Sub(start) >= d {
			break
		}
		var err error
		switch dr.w.Kind {
		case Unary:
			err = c.Unary(ctx, dr.req)
		case ServerStream:
			var got int
			got, err = c.ServerStream(ctx, dr.sreq)
			if err == nil && got != dr.w.Count {
				err = fmt.Errorf("%d responses, want %d", got, dr.w.Count)
			}
		case ClientStream:
			err = c.ClientStream(ctx, dr.req, dr.w.Count)
		case Bidi:
			err = pp.RoundTrip(dr.req)
		}
		if err != nil {
			return ops, fmt.Errorf("%s after %d ops: %w", dr.w.Name, ops, err)
		}
		h.Record(time.Since(t0))
		ops += per
	}
	if pp != nil {
		if err := pp.Close(); err != nil {
			return ops, fmt.Errorf("ending the bidi call: %w", err)
		}
	}
	return ops, nil
}

// measure warms the workload up, then runs one window of d with both
// processes' counters read around it, and the busy time of cpus (the
// server's and the generator's; -1 for unknown).
func measure(srv Server, clients []Client, w Workload, warmup, d time.Duration, cpus [2]int) (Measurement, error) {
	dr := newDriver(w, clients)
	if warmup > 0 {
		if _, err := dr.run(warmup); err != nil {
			return Measurement{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	sa, err := srv.Stats(false)
	if err != nil {
		return Measurement{}, err
	}
	busyA, busyOK := cpuBusy(cpus)
	ca := TakeSnapshot(false)
	win, err := dr.run(d)
	cb := TakeSnapshot(false)
	busyB, _ := cpuBusy(cpus)
	if err != nil {
		return Measurement{}, err
	}
	sb, err := srv.Stats(false)
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{
		Ops:       win.ops,
		Samples:   win.samples,
		Elapsed:   win.elapsed,
		P50:       win.hist.Quantile(0.50),
		P99:       win.hist.Quantile(0.99),
		Server:    sb.Sub(sa),
		Client:    cb.Sub(ca),
		Busy:      [2]time.Duration{busyB[0] - busyA[0], busyB[1] - busyA[1]},
		BusyKnown: busyOK,
	}, nil
}
