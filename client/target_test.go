package client_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/observe"
	"grpcwire/server"
)

// recordingDialer serves every connection from one in-memory listener and
// records the addresses the client asked for, so that a test sees what a
// target resolved to without the network.
type recordingDialer struct {
	ln *testsvc.PipeListener

	mu    sync.Mutex
	addrs []string
}

func newRecordingDialer(t *testing.T) *recordingDialer {
	srv := server.New()
	srv.Register((&testsvc.Service{}).Desc())
	ln := testsvc.NewPipeListener()
	testsvc.ServeListener(t, srv, ln)
	return &recordingDialer{ln: ln}
}

func (d *recordingDialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	return d.ln.Dial(ctx, addr)
}

func (d *recordingDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := slices.Clone(d.addrs)
	slices.Sort(s)
	return slices.Compact(s)
}

// authorityObserver records the :authority of the requests sent.
type authorityObserver struct {
	mu   sync.Mutex
	seen []string
}

func (o *authorityObserver) observer(client.ConnInfo) observe.Observer { return o }

func (o *authorityObserver) ObserveFrame(ev *observe.FrameEvent) {
	if !ev.Sent || ev.Header.Type != http2.FrameHeaders {
		return
	}
	for _, f := range ev.Fields {
		if f.Name == ":authority" {
			o.mu.Lock()
			o.seen = append(o.seen, f.Value)
			o.mu.Unlock()
		}
	}
}

// TestTargets walks grpc/grpc doc/naming.md's target syntax: what each
// target resolves to (the addresses dialed, all of them under round_robin)
// and the :authority its calls carry (the endpoint, percent-encoded as an
// RFC 3986 authority; "localhost" for Unix sockets; "localhost:port" for
// ":port").
func TestTargets(t *testing.T) {
	tests := []struct {
		target    string
		addrs     []string // dialed, sorted
		authority string
	}{
		{"localhost:50051", []string{"localhost:50051"}, "localhost:50051"},
		{"127.0.0.1:50051", []string{"127.0.0.1:50051"}, "127.0.0.1:50051"},
		{":50051", []string{":50051"}, "localhost:50051"},
		{"[::1]:50051", []string{"[::1]:50051"}, "[::1]:50051"},
		{"passthrough:///backend.example:443", []string{"backend.example:443"}, "backend.example:443"},
		{"passthrough:backend.example:443", []string{"backend.example:443"}, "backend.example:443"},
		{"PassThrough:///x:1", []string{"x:1"}, "x:1"},                // schemes are case-insensitive (RFC 3986)
		{"unknown:50051", []string{"unknown:50051"}, "unknown:50051"}, // no such scheme: host:port
		{"dns:///127.0.0.1:50051", []string{"127.0.0.1:50051"}, "127.0.0.1:50051"},
		{"dns:127.0.0.1:50051", []string{"127.0.0.1:50051"}, "127.0.0.1:50051"},
		{"dns:///127.0.0.1", []string{"127.0.0.1:443"}, "127.0.0.1"},
		{"dns:///[::1]:50051", []string{"[::1]:50051"}, "[::1]:50051"},
		{"dns:///::1", []string{"[::1]:443"}, "::1"},
		{"ipv4:127.0.0.1:1,127.0.0.1:2,127.0.0.1", []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:443"}, "127.0.0.1:1,127.0.0.1:2,127.0.0.1"},
		{"ipv6:[::1]:1,[::1]:2,::1", []string{"[::1]:1", "[::1]:2", "[::1]:443"}, "[::1]:1,[::1]:2,::1"},
		{"unix:/run/users.sock", []string{"unix:/run/users.sock"}, "localhost"},
		{"unix:relative/users.sock", []string{"unix:relative/users.sock"}, "localhost"},
		{"unix:///run/users.sock", []string{"unix:/run/users.sock"}, "localhost"},
		{"unix-abstract:users", []string{"unix-abstract:users"}, "localhost"},
		{"passthrough:///a b:1", []string{"a b:1"}, "a%20b:1"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			h2test.VerifyNoLeaks(t)
			d := newRecordingDialer(t)
			var ao authorityObserver
			cc := testsvc.Dial(t, tt.target, client.WithDialer(d.dial), client.WithServiceConfig(roundRobin), client.WithFrameObserver(ao.observer))
			if cc.Target() != tt.target {
				t.Errorf("Target() = %q", cc.Target())
			}
			ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
			defer cancel()
			// One call per address at least: round_robin connects to all.
			for range 2 * len(tt.addrs) {
				if _, err := echo(ctx, cc, "x", client.WaitForReady(true)); err != nil {
					t.Fatal(err)
				}
			}
			for ctx.Err() == nil && len(d.dialed()) < len(tt.addrs) {
				echo(ctx, cc, "x")
			}
			if got := d.dialed(); !slices.Equal(got, tt.addrs) {
				t.Errorf("dialed %q, want %q", got, tt.addrs)
			}
			ao.mu.Lock()
			defer ao.mu.Unlock()
			if len(ao.seen) == 0 || ao.seen[0] != tt.authority {
				t.Errorf(":authority %q, want %q", ao.seen, tt.authority)
			}
		})
	}
}

// TestTargetAuthorityPrecedence: WithAuthority wins, then the TLS config's
// ServerName (as in grpc-go), then the target's.
func TestTargetAuthorityPrecedence(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	d := newRecordingDialer(t)
	var ao authorityObserver
	cc := testsvc.Dial(t, "unix:/run/users.sock", client.WithDialer(d.dial), client.WithAuthority("users.example"), client.WithFrameObserver(ao.observer))
	if _, err := echo(context.Background(), cc, "x"); err != nil {
		t.Fatal(err)
	}
	if ao.seen[0] != "users.example" {
		t.Errorf(":authority %q with WithAuthority, want users.example", ao.seen[0])
	}
}

// TestMalformedTargets: Dial refuses a target that cannot mean anything,
// saying what is wrong, instead of failing every call.
func TestMalformedTargets(t *testing.T) {
	for _, tt := range []struct{ target, want string }{
		{"", "not host:port"},
		{"localhost", "not host:port"},
		{"dns://localhost:50051", `did you mean "dns:///localhost:50051"`},
		{"dns:///", "names no host"},
		{"dns:///:50051", "names no host"},
		{"dns:///host:port", `port "port"`},
		{"dns:///host:99999", `port "99999"`},
		{"dns://not-an-ip/host:1", "DNS server"},
		{"dns:///a:b:c", "not host or host:port"},
		{"unix:", "no socket path"},
		{"unix://host/path", "no authority"},
		{"unix-abstract:", "no abstract socket"},
		{"ipv4:", "lists no address"},
		{"ipv4:::1", "not an ipv4 address"},
		{"ipv4:1.2.3.4:x", `port "x"`},
		{"ipv4:1.2.3.4,", `"" is not an ipv4 address`},
		{"ipv6:127.0.0.1", "not an ipv6 address"},
		{"ipv6:[::1", "not [address]:port"},
		{"unix:/a\x00b", "NUL"},
	} {
		cc, err := client.Dial(tt.target)
		if err == nil {
			cc.Close()
			t.Errorf("Dial(%q) succeeded; want an error containing %q", tt.target, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Dial(%q): %v; want it to say %q", tt.target, err, tt.want)
		}
	}
}
