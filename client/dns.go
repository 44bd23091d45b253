package client

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// DNSResolver resolves "dns:[//authority/]host[:port]" targets (grpc/grpc
// doc/naming.md): every A and AAAA record of host, each with port (443 when
// not given), in the order the lookup returns them. "authority indicates the
// DNS server to use", as "IP:port" (port 53 when not given); without it the
// system's resolver answers (package net: /etc/hosts, then the servers of
// /etc/resolv.conf).
//
// It resolves again, as grpc-go's dns resolver does, when the Conn asks
// (a connection was lost or an attempt failed), but at most once every
// MinInterval; a failed lookup is retried with doc/connection-backoff.md's
// backoff, and the addresses found before stay in use meanwhile. A host that
// is an IP address is not looked up at all.
//
// Every Conn knows a DNSResolver with the defaults; give WithResolvers one of
// your own to change them.
type DNSResolver struct {
	// MinInterval is the shortest time between two lookups of one target
	// (30 s when zero, grpc-go's dns.MinResolutionInterval): a backend
	// that keeps failing must not turn into a DNS flood.
	MinInterval time.Duration
	// Timeout bounds one lookup (30 s when zero, grpc-go's
	// dns.ResolvingTimeout).
	Timeout time.Duration
	// Resolver does the lookups when the target names no DNS server
	// (net.DefaultResolver when nil).
	Resolver *net.Resolver

	// lookupHost replaces the lookup, for the tests of the timing.
	lookupHost func(ctx context.Context, host string) ([]string, error)
}

// Defaults of the DNS resolver, from grpc-go's internal/resolver/dns.
const (
	dnsMinInterval = 30 * time.Second // MinResolutionInterval
	dnsTimeout     = 30 * time.Second // ResolvingTimeout
	dnsServerPort  = "53"             // the port of a DNS server named without one
)

// Scheme returns "dns".
func (r *DNSResolver) Scheme() string { return schemeDNS }

// check parses the target's host and port and its DNS server.
func (r *DNSResolver) check(t Target) error {
	if _, _, err := dnsHostPort(t); err != nil {
		return err
	}
	if t.Authority != "" {
		if _, err := dnsServer(t); err != nil {
			return err
		}
	}
	return nil
}

// dnsHostPort splits a dns target's endpoint; the port is 443 when absent.
func dnsHostPort(t Target) (host, port string, err error) {
	ep := t.Endpoint
	if ep == "" {
		return "", "", fmt.Errorf("target %q names no host", t.Raw)
	}
	host, port = ep, defaultPort
	if h, p, err := net.SplitHostPort(ep); err == nil {
		host, port = h, p
		if port == "" {
			// "host:" is a port left out: the default, as grpc-go.
			port = defaultPort
		}
	} else if ip, perr := netip.ParseAddr(ep); perr == nil && ip.Is6() {
		host = ep // a bare IPv6 address: its colons are not a port
	} else if containsColon(ep) {
		return "", "", fmt.Errorf("target %q: %q is not host or host:port: %w", t.Raw, ep, err)
	}
	if host == "" {
		return "", "", fmt.Errorf("target %q names no host (only a port); write dns:///localhost%s for this machine", t.Raw, ep)
	}
	if err := checkPort(port); err != nil {
		return "", "", fmt.Errorf("target %q: %w", t.Raw, err)
	}
	return host, port, nil
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// dnsServer is the DNS server a target's authority names, as host:port.
func dnsServer(t Target) (string, error) {
	host, port := t.Authority, dnsServerPort
	if h, p, err := net.SplitHostPort(t.Authority); err == nil {
		host, port = h, p
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return "", fmt.Errorf("target %q: the DNS server %q is not IP:port", t.Raw, t.Authority)
	}
	if err := checkPort(port); err != nil {
		return "", fmt.Errorf("target %q: the DNS server's %w", t.Raw, err)
	}
	return net.JoinHostPort(host, port), nil
}

// Build starts resolving t; an IP address host is reported at once, as the
// only address, and never looked up.
func (r *DNSResolver) Build(t Target, cc ResolverConn) (Resolution, error) {
	host, port, err := dnsHostPort(t)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		cc.UpdateAddresses([]Address{{Addr: net.JoinHostPort(ip.String(), port), Network: "tcp"}})
		return nopResolution{}, nil
	}
	lookup := r.lookupHost
	if lookup == nil {
		nr := r.Resolver
		if nr == nil {
			nr = net.DefaultResolver
		}
		if t.Authority != "" {
			server, err := dnsServer(t)
			if err != nil {
				return nil, err
			}
			nr = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, server)
			}}
		}
		lookup = nr.LookupHost
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &dnsWatch{
		r: r, host: host, port: port, cc: cc, lookup: lookup,
		ctx: ctx, cancel: cancel, now: make(chan struct{}, 1),
	}
	w.wg.Add(1)
	go w.run()
	return w, nil
}

// dnsWatch is one target's resolution: one goroutine that looks the host
// up, reports, and waits for the next ResolveNow.
type dnsWatch struct {
	r          *DNSResolver
	host, port string
	cc         ResolverConn
	lookup     func(ctx context.Context, host string) ([]string, error)
	ctx        context.Context
	cancel     context.CancelFunc
	now        chan struct{} // a ResolveNow is pending; buffer of one
	wg         sync.WaitGroup
}

// ResolveNow asks for a lookup; requests made while one is pending or the
// minimum interval runs merge into one.
func (w *dnsWatch) ResolveNow() {
	select {
	case w.now <- struct{}{}:
	default:
	}
}

// Close stops the goroutine and waits for it.
func (w *dnsWatch) Close() {
	w.cancel()
	w.wg.Wait()
}

// run looks up, reports, then waits: after a success for a ResolveNow and
// the rest of the minimum interval, after a failure for the backoff.
func (w *dnsWatch) run() {
	defer w.wg.Done()
	interval := w.r.MinInterval
	if interval <= 0 {
		interval = dnsMinInterval
	}
	failures := 0
	for {
		// A lookup answers every ResolveNow made before it (grpc-go's
		// would look up once more for those that came during the wait).
		select {
		case <-w.now:
		default:
		}
		addrs, err := w.resolve()
		var next time.Time
		if err != nil {
			w.cc.ReportError(err)
			next = time.Now().Add(backoffDelay(DefaultBackoff, failures))
			failures++
		} else {
			w.cc.UpdateAddresses(addrs)
			failures = 0
			next = time.Now().Add(interval)
			select {
			case <-w.ctx.Done():
				return
			case <-w.now:
			}
		}
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-w.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// resolve makes one lookup.
func (w *dnsWatch) resolve() ([]Address, error) {
	timeout := w.r.Timeout
	if timeout <= 0 {
		timeout = dnsTimeout
	}
	ctx, cancel := context.WithTimeout(w.ctx, timeout)
	defer cancel()
	hosts, err := w.lookup(ctx, w.host)
	if err != nil {
		return nil, fmt.Errorf("dns: looking up %s: %w", w.host, err)
	}
	addrs := make([]Address, 0, len(hosts))
	for _, h := range hosts {
		ip, err := netip.ParseAddr(h)
		if err != nil {
			return nil, fmt.Errorf("dns: %s: the answer %q is not an IP address", w.host, h)
		}
		addrs = append(addrs, Address{Addr: net.JoinHostPort(ip.String(), w.port), Network: "tcp"})
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("dns: %s has no A or AAAA record", w.host)
	}
	return addrs, nil
}
