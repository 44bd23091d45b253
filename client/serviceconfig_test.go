package client_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/observe"
	"grpcwire/wire"
)

// TestServiceConfigMalformedFailsDial: malformed JSON, or a known field
// with a bad value, is an error at Dial, naming what is wrong.
func TestServiceConfigMalformedFailsDial(t *testing.T) {
	for js, want := range map[string]string{
		`{"loadBalancingConfig": [`:                                       "not valid JSON",
		`{"loadBalancingConfig": [{"weighted_target": {}}]}`:              "names no policy this client has",
		`{"methodConfig": [{"name": [{}], "timeout": "soon"}]}`:           `duration "soon"`,
		`{"methodConfig": [{"name": [{"method": "Echo"}]}]}`:              "has no service",
		`{"methodConfig": [{"name": [{}]}, {"name": [{}]}]}`:              "named twice",
		`{"healthCheckConfig": {"serviceName": 7}}`:                       "not valid JSON",
		`{"methodConfig": [{"name": [{}], "waitForReady": "sometimes"}]}`: "not valid JSON",
	} {
		cc, err := client.Dial("localhost:50051", client.WithServiceConfig(js))
		if err == nil {
			cc.Close()
			t.Errorf("Dial with %s succeeded; want an error", js)
			continue
		}
		if !strings.Contains(err.Error(), "WithServiceConfig") || !strings.Contains(err.Error(), want) {
			t.Errorf("Dial with %s: %v; want it to name WithServiceConfig and say %q", js, err, want)
		}
	}
}

// timeoutObserver records the grpc-timeout of each request by :path.
type timeoutObserver struct {
	mu       sync.Mutex
	timeouts map[string]time.Duration
}

func (o *timeoutObserver) observer(client.ConnInfo) observe.Observer { return o }

func (o *timeoutObserver) ObserveFrame(ev *observe.FrameEvent) {
	if !ev.Sent || ev.Header.Type != http2.FrameHeaders {
		return
	}
	var path string
	var timeout time.Duration
	for _, f := range ev.Fields {
		switch f.Name {
		case ":path":
			path = f.Value
		case "grpc-timeout":
			timeout, _ = wire.ParseTimeout(f.Value)
		}
	}
	o.mu.Lock()
	o.timeouts[path] = timeout
	o.mu.Unlock()
}

// TestMethodConfigTimeout: the service config's timeout bounds a call
// (grpc-timeout carries it) by the most specific name that matches it, the
// method's own, else its service's, else the default; a sooner deadline of
// the call's context wins.
func TestMethodConfigTimeout(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	o := &timeoutObserver{timeouts: map[string]time.Duration{}}
	cc := start(t, nil, client.WithFrameObserver(o.observer), client.WithServiceConfig(`{"methodConfig": [
		{"name": [{"service": "grpcwire.testing.Test", "method": "Echo"}], "timeout": "30s"},
		{"name": [{"service": "grpcwire.testing.Test"}], "timeout": "60s"},
		{"name": [{}], "timeout": "90s"}]}`))
	ctx := context.Background()
	if _, err := echo(ctx, cc, "x"); err != nil {
		t.Fatal(err)
	}
	for _, err := range client.ServerStreaming[wrapperspb.Int32Value, wrapperspb.Int32Value](ctx, cc, testsvc.CountPath, wrapperspb.Int32(1)) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := cc.Invoke(ctx, "/other.Service/Method", wrapperspb.Int32(1), new(wrapperspb.Int32Value)); wire.CodeOf(err) != wire.Unimplemented {
		t.Errorf("call of an unknown service: %v, want UNIMPLEMENTED", err)
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := echo(short, cc, "x"); err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for path, want := range map[string]time.Duration{
		testsvc.CountPath:       60 * time.Second,
		"/other.Service/Method": 90 * time.Second,
	} {
		if got := o.timeouts[path]; got > want || got < want-time.Second {
			t.Errorf("%s sent grpc-timeout %v, want about %v", path, got, want)
		}
	}
	// The last Echo call ran with a 5 s context deadline, sooner than 30 s.
	if got := o.timeouts[testsvc.EchoPath]; got > 5*time.Second || got < 4*time.Second {
		t.Errorf("Echo with a 5 s deadline sent grpc-timeout %v, want about 5s", got)
	}
}

// TestMethodConfigWaitForReadyAndTimeout, in fake time against a server
// that is down: waitForReady from the service config makes a call wait
// instead of failing fast, its timeout ends the wait with
// DEADLINE_EXCEEDED, and the call's own WaitForReady(false) overrides the
// config.
func TestMethodConfigWaitForReadyAndTimeout(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		d := newSwitchDialer(t, true)
		// Attempts at 0, 1 s, 2.6 s, 5.16 s: no jitter.
		b := client.WithBackoff(client.Backoff{BaseDelay: time.Second, Multiplier: 1.6, MaxDelay: time.Minute})
		cc := testsvc.Dial(t, "server:443", client.WithDialer(d.dial), b, client.WithServiceConfig(
			`{"methodConfig": [{"name": [{"service": "grpcwire.testing.Test"}], "timeout": "2.5s", "waitForReady": true}]}`))
		start := time.Now()
		_, err := echo(context.Background(), cc, "waits")
		wantStatus(t, err, wire.DeadlineExceeded, "connection refused")
		if took := time.Since(start); took != 2500*time.Millisecond {
			t.Errorf("the call waited %v, want the config's timeout of 2.5s", took)
		}
		start = time.Now()
		_, err = echo(context.Background(), cc, "fails fast", client.WaitForReady(false))
		wantStatus(t, err, wire.Unavailable, "connection refused")
		if took := time.Since(start); took != 0 {
			t.Errorf("WaitForReady(false) took %v, want an immediate failure", took)
		}
		// The server comes up while a call waits; the attempt at 2.6 s
		// gets it through.
		result := make(chan error, 1)
		go func() {
			_, err := echo(context.Background(), cc, "gets through")
			result <- err
		}()
		time.Sleep(50 * time.Millisecond)
		d.setDown(false)
		if err := <-result; err != nil {
			t.Errorf("waiting call once the server is up: %v", err)
		}
	})
}
