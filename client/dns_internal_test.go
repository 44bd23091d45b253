package client

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lookupLog is a DNS lookup the test scripts: it records when it was asked
// and answers, or fails while failing is set.
type lookupLog struct {
	mu      sync.Mutex
	times   []time.Time
	failing bool
}

func (l *lookupLog) lookup(ctx context.Context, host string) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.times = append(l.times, time.Now())
	if l.failing {
		return nil, errors.New("server misbehaving")
	}
	return []string{"127.0.0.1"}, nil
}

func (l *lookupLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.times)
}

// reports counts what a Resolution reported.
type reports struct {
	mu            sync.Mutex
	updates, errs int
}

func (r *reports) UpdateAddresses([]Address) { r.mu.Lock(); r.updates++; r.mu.Unlock() }
func (r *reports) ReportError(error)         { r.mu.Lock(); r.errs++; r.mu.Unlock() }

// TestDNSResolutionTiming pins the dns resolver's timing, in fake time: one
// lookup at Build; a lookup per ResolveNow, however many arrive at once,
// but never sooner than MinInterval (30 s) after the last; none without a
// ResolveNow.
func TestDNSResolutionTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l lookupLog
		var rep reports
		r := &DNSResolver{lookupHost: l.lookup}
		res, err := r.Build(Target{Scheme: schemeDNS, Endpoint: "backend.test:50051", Raw: "dns:///backend.test:50051"}, &rep)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		start := time.Now()
		synctest.Wait()
		if l.count() != 1 || rep.updates != 1 {
			t.Fatalf("after Build: %d lookups, %d updates; want 1 and 1", l.count(), rep.updates)
		}
		for range 10 {
			res.ResolveNow()
		}
		synctest.Wait()
		if n := l.count(); n != 1 {
			t.Errorf("10 ResolveNow at once made %d more lookups at once; want none before the minimum interval", n-1)
		}
		time.Sleep(dnsMinInterval)
		synctest.Wait()
		if n := l.count(); n != 2 || l.times[1].Sub(start) != dnsMinInterval {
			t.Errorf("lookups at %v; want the second %v after the first", l.times, dnsMinInterval)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if n := l.count(); n != 2 {
			t.Errorf("%d lookups after 10 minutes without ResolveNow, want still 2", n)
		}
		asked := time.Now()
		res.ResolveNow()
		synctest.Wait()
		if n := l.count(); n != 3 || !l.times[2].Equal(asked) {
			t.Errorf("a ResolveNow long after the last lookup: lookups at %v; want one at once", l.times)
		}
	})
}

// TestDNSFailureBackoff: a failing lookup is reported and retried after
// doc/connection-backoff.md's delays (1 s, 1.6 s, 2.56 s, ... ± 20 %)
// without waiting for a ResolveNow; after a success the resolver waits
// again.
func TestDNSFailureBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := lookupLog{failing: true}
		var rep reports
		r := &DNSResolver{lookupHost: l.lookup}
		res, err := r.Build(Target{Scheme: schemeDNS, Endpoint: "backend.test", Raw: "dns:///backend.test"}, &rep)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		for l.count() < 5 {
			time.Sleep(100 * time.Millisecond)
		}
		l.mu.Lock()
		l.failing = false
		l.mu.Unlock()
		time.Sleep(time.Minute)
		synctest.Wait()
		l.mu.Lock()
		defer l.mu.Unlock()
		nominal := float64(DefaultBackoff.BaseDelay)
		for i := 1; i < 5; i++ {
			gap := float64(l.times[i].Sub(l.times[i-1]))
			if gap < nominal*(1-DefaultBackoff.Jitter) || gap > nominal*(1+DefaultBackoff.Jitter) {
				t.Errorf("retry %d came %v after the failure, want %v ± 20%%", i, time.Duration(gap), time.Duration(nominal))
			}
			nominal *= DefaultBackoff.Multiplier
		}
		if rep.errs < 5 || rep.updates != 1 {
			t.Errorf("%d errors and %d updates reported; want one error per failed lookup and one update", rep.errs, rep.updates)
		}
		if n := len(l.times); n != 6 {
			t.Errorf("%d lookups; want 5 failed and 1 that succeeded, then none without ResolveNow", n)
		}
	})
}
