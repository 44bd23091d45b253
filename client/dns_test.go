package client_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/wire"
)

// dnsServer is a DNS server on a loopback UDP socket that answers A and
// AAAA questions from a table the test sets, and counts the questions.
type dnsServer struct {
	pc   net.PacketConn
	addr string

	mu      sync.Mutex
	records map[string][]netip.Addr // by name, without the final dot
	asked   map[string]int
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{pc: pc, addr: pc.LocalAddr().String(), records: map[string][]netip.Addr{}, asked: map[string]int{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return s
}

// set makes name resolve to addrs.
func (s *dnsServer) set(name string, addrs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[name] = nil
	for _, a := range addrs {
		s.records[name] = append(s.records[name], netip.MustParseAddr(a))
	}
}

// questions is how many A questions name got.
func (s *dnsServer) questions(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[name]
}

func (s *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if answer := s.answer(buf[:n]); answer != nil {
			s.pc.WriteTo(answer, from)
		}
	}
}

// answer builds the response to one query: the records of its type, or
// NXDOMAIN for a name the table does not have.
func (s *dnsServer) answer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.TrimSuffix(q.Name.String(), ".")
	s.mu.Lock()
	addrs, known := s.records[name]
	if q.Type == dnsmessage.TypeA {
		s.asked[name]++
	}
	s.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	for _, a := range addrs {
		res := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			b.AResource(res, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			b.AAAAResource(res, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}

// listenBoth listens on 127.0.0.1 and [::1] on one port, for a name with an
// A and an AAAA record; it skips the test where ::1 cannot be had.
func listenBoth(t *testing.T) (v4, v6 net.Listener) {
	t.Helper()
	for range 20 {
		l4, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l4.Addr().String())
		l6, err := net.Listen("tcp", net.JoinHostPort("::1", port))
		if err == nil {
			return l4, l6
		}
		l4.Close()
	}
	t.Skip("cannot listen on [::1] and 127.0.0.1 with one port: no IPv6 loopback here")
	return nil, nil
}

// TestDNSEveryRecord: "dns://SERVER/name:port" asks that DNS server (here
// one of the test's own) and balances over every A and AAAA record of name,
// each with the target's port.
func TestDNSEveryRecord(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	l4, l6 := listenBoth(t)
	lns := []net.Listener{l4, l6}
	bs := startBackends(t, 2, backendOpts{ln: func(i int) (net.Listener, error) { return lns[i], nil }})
	dns := startDNS(t)
	dns.set("backends.test", "127.0.0.1", "::1")
	_, port, _ := net.SplitHostPort(l4.Addr().String())
	target := "dns://" + dns.addr + "/backends.test:" + port
	cc := testsvc.Dial(t, target, client.WithServiceConfig(roundRobin))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)
	before := counts(bs)
	for range 100 {
		if _, err := echo(ctx, cc, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if got := since(bs, before); !slices.Equal(got, []int64{50, 50}) {
		t.Errorf("100 calls over the A and the AAAA record spread %v, want 50 each", got)
	}
}

// TestDNSReresolves: after a connection is lost the dns resolver looks the
// name up again (at most once per MinInterval), and a backend that moved
// is found at its new address.
func TestDNSReresolves(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	l4, l6 := listenBoth(t)
	lns := []net.Listener{l4, l6}
	bs := startBackends(t, 2, backendOpts{ln: func(i int) (net.Listener, error) { return lns[i], nil }})
	dns := startDNS(t)
	dns.set("backend.test", "127.0.0.1")
	_, port, _ := net.SplitHostPort(l4.Addr().String())
	r := &client.DNSResolver{MinInterval: 100 * time.Millisecond}
	cc := testsvc.Dial(t, "dns://"+dns.addr+"/backend.test:"+port, client.WithResolvers(r), fastBackoff)
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	if got, err := echo(ctx, cc, "x"); err != nil || got != "b0" {
		t.Fatalf("first call: %q, %v", got, err)
	}
	if n := dns.questions("backend.test"); n != 1 {
		t.Errorf("%d lookups for the first call, want 1", n)
	}
	// The backend moves to ::1; the old one stops.
	dns.set("backend.test", "::1")
	bs[0].stop(true)
	got, err := echo(ctx, cc, "x", client.WaitForReady(true))
	if err != nil || got != "b1" {
		t.Fatalf("after the move: %q, %v; want b1 at ::1", got, err)
	}
	if n := dns.questions("backend.test"); n < 2 {
		t.Errorf("%d lookups, want a second one after the connection was lost", n)
	}
}

// TestDNSNoSuchHost: a name that does not resolve fails the call with
// UNAVAILABLE naming the target and the resolver's error.
func TestDNSNoSuchHost(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	dns := startDNS(t)
	target := "dns://" + dns.addr + "/nosuch.test:50051"
	cc := testsvc.Dial(t, target)
	_, err := echo(context.Background(), cc, "x")
	wantStatus(t, err, wire.Unavailable, strconv.Quote(target), "nosuch.test")
}

// TestDNSLocalhost: the real dns resolver, through the system's
// configuration, for dns:///localhost:PORT: every address localhost has
// here gets a backend on PORT, and round_robin reaches each.
func TestDNSLocalhost(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	hosts, err := net.DefaultResolver.LookupHost(context.Background(), "localhost")
	if err != nil || len(hosts) == 0 {
		t.Skipf("localhost does not resolve here: %v", err)
	}
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	var lns []net.Listener
	for attempt := 0; len(lns) < len(hosts) && attempt < 20; attempt++ {
		for _, l := range lns {
			l.Close()
		}
		lns = nil
		port := "0"
		for _, h := range hosts {
			l, err := net.Listen("tcp", net.JoinHostPort(h, port))
			if err != nil {
				break
			}
			_, port, _ = net.SplitHostPort(l.Addr().String())
			lns = append(lns, l)
		}
	}
	if len(lns) < len(hosts) {
		t.Skipf("cannot listen on one port on every address of localhost (%v)", hosts)
	}
	bs := startBackends(t, len(lns), backendOpts{ln: func(i int) (net.Listener, error) { return lns[i], nil }})
	_, port, _ := net.SplitHostPort(lns[0].Addr().String())
	cc := testsvc.Dial(t, "dns:///localhost:"+port, client.WithServiceConfig(roundRobin))
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.Timeout)
	defer cancel()
	callUntil(t, ctx, cc, bs, bs...)
	t.Logf("dns:///localhost:%s reached %d backends, at %v", port, len(bs), hosts)
}
