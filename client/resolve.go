package client

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Name resolution, grpc/grpc doc/naming.md, "Resolver Plugins": "The gRPC
// client library will use the specified scheme to pick the right resolver
// plugin and pass it the fully qualified name string. [...] The returned
// contents include: A list of resolved addresses (both IP address and
// port)." and "The plugin API allows the resolvers to continuously watch an
// endpoint and return updated resolutions as needed."
//
// A Conn looks up the Resolver for its target's scheme (WithResolvers adds
// or replaces some), builds it on the first call, and balances over the
// addresses it reports. The built-in schemes are dns (DNSResolver, which
// watches), and passthrough, unix, unix-abstract, ipv4 and ipv6, whose
// addresses are in the target itself.

// Address is one address of a backend, as a resolver reports it.
type Address struct {
	// Addr is "host:port" for TCP (an IP address and port from the dns,
	// ipv4 and ipv6 resolvers; for passthrough, what the target says), or
	// the path of a Unix socket, with "@" first for Linux's abstract
	// namespace, as package net spells it.
	Addr string
	// Network is "tcp" (also when empty) or "unix".
	Network string
}

// String names the address as a target would: "127.0.0.1:50051",
// "unix:/tmp/users.sock", "unix-abstract:users".
func (a Address) String() string {
	if a.Network != "unix" {
		return a.Addr
	}
	if name, ok := strings.CutPrefix(a.Addr, "@"); ok {
		return "unix-abstract:" + name
	}
	return "unix:" + a.Addr
}

// network is the network to dial.
func (a Address) network() string {
	if a.Network == "" {
		return "tcp"
	}
	return a.Network
}

// A Resolver resolves the targets of one scheme: doc/naming.md's resolver
// plugin. Plug one in with WithResolvers (as grpc-go's
// grpc.WithResolvers allows), for a service registry, or in a test that
// moves backends around (see ManualResolver).
type Resolver interface {
	// Scheme is the target scheme served, in lower case ("dns").
	Scheme() string
	// Build starts resolving t for one Conn, on the Conn's first call. It
	// reports addresses through cc, at once or later from its own
	// goroutine, and again whenever they change; its error fails the
	// Conn's calls with UNAVAILABLE.
	Build(t Target, cc ResolverConn) (Resolution, error)
}

// AuthorityResolver is a Resolver that chooses the :authority of its
// targets' calls, as the unix resolver does ("localhost"); without it the
// endpoint is the authority.
type AuthorityResolver interface {
	Resolver
	Authority(t Target) string
}

// ResolverConn is where a Resolution reports what it finds. Its methods may
// be called from any goroutine, until the Resolution is closed.
type ResolverConn interface {
	// UpdateAddresses replaces the target's addresses with addrs. An empty
	// list is an error: there is nothing to connect to.
	UpdateAddresses(addrs []Address)
	// ReportError says that resolving failed. Addresses reported before
	// stay in use; a Conn that has none fails its calls with UNAVAILABLE
	// naming the target and err.
	ReportError(err error)
}

// A Resolution is a Resolver at work for one Conn.
type Resolution interface {
	// ResolveNow asks for a fresh resolution, as soon as the resolver's
	// own limits allow. The Conn calls it when a connection is lost or an
	// attempt fails; it must not block.
	ResolveNow()
	// Close stops the resolution; nothing is reported after it returns.
	Close()
}

// defaultPort is the port of a dns, ipv4 or ipv6 address that names none:
// "If not specified, 443 is used" (naming.md).
const defaultPort = "443"

// builtinResolvers are the resolvers every Conn knows.
func builtinResolvers() map[string]Resolver {
	m := map[string]Resolver{schemeDNS: &DNSResolver{}}
	for _, r := range []*staticResolver{
		{schemePassthrough, passthroughAddrs},
		{schemeUnix, unixAddrs},
		{schemeUnixAbstract, unixAbstractAddrs},
		{schemeIPv4, ipv4Addrs},
		{schemeIPv6, ipv6Addrs},
	} {
		m[r.scheme] = r
	}
	return m
}

// checker is a Resolver that can tell at Dial that a target is malformed,
// so that Dial fails rather than every call.
type checker interface {
	check(t Target) error
}

// staticResolver resolves targets that hold their addresses.
type staticResolver struct {
	scheme string
	addrs  func(Target) ([]Address, error)
}

// Scheme returns the scheme served.
func (r *staticResolver) Scheme() string { return r.scheme }

// Build reports the target's addresses at once; they never change.
func (r *staticResolver) Build(t Target, cc ResolverConn) (Resolution, error) {
	addrs, err := r.addrs(t)
	if err != nil {
		return nil, err
	}
	cc.UpdateAddresses(addrs)
	return nopResolution{}, nil
}

func (r *staticResolver) check(t Target) error {
	_, err := r.addrs(t)
	return err
}

// Authority is "localhost" for Unix sockets, as in C-core and grpc-go.
func (r *staticResolver) Authority(t Target) string {
	if r.scheme == schemeUnix || r.scheme == schemeUnixAbstract {
		return "localhost"
	}
	return defaultAuthority(t, nil)
}

// nopResolution is the Resolution of a target that never changes.
type nopResolution struct{}

func (nopResolution) ResolveNow() {}
func (nopResolution) Close()      {}

// passthroughAddrs is the one address of a passthrough target, which must
// be host:port (the dialer resolves the host).
func passthroughAddrs(t Target) ([]Address, error) {
	if _, _, err := net.SplitHostPort(t.Endpoint); err != nil {
		return nil, fmt.Errorf("target %q is not host:port: %w", t.Raw, err)
	}
	return []Address{{Addr: t.Endpoint, Network: "tcp"}}, nil
}

// unixAddrs is the socket of "unix:path" or "unix:///absolute_path".
func unixAddrs(t Target) ([]Address, error) {
	if t.Authority != "" {
		return nil, fmt.Errorf("target %q: a unix target has no authority (%q); write unix:///absolute/path or unix:relative/path", t.Raw, t.Authority)
	}
	if t.Endpoint == "" {
		return nil, fmt.Errorf("target %q names no socket path", t.Raw)
	}
	return []Address{{Addr: t.Endpoint, Network: "unix"}}, nil
}

// unixAbstractAddrs is the socket of "unix-abstract:name": "The underlying
// implementation of Abstract sockets uses a null byte ('\0') as the first
// character; the implementation will prepend this null" (naming.md), which
// package net writes as "@".
func unixAbstractAddrs(t Target) ([]Address, error) {
	if t.Authority != "" {
		return nil, fmt.Errorf("target %q: a unix-abstract target has no authority (%q)", t.Raw, t.Authority)
	}
	if t.Endpoint == "" {
		return nil, fmt.Errorf("target %q names no abstract socket", t.Raw)
	}
	return []Address{{Addr: "@" + t.Endpoint, Network: "unix"}}, nil
}

// ipv4Addrs parses "ipv4:address[:port][,address[:port],...]".
func ipv4Addrs(t Target) ([]Address, error) {
	return ipAddrs(t, false)
}

// ipv6Addrs parses "ipv6:address[:port][,address[:port],...]": "To use with
// a port the address must enclosed in literal square brackets ([ and ])".
func ipv6Addrs(t Target) ([]Address, error) {
	return ipAddrs(t, true)
}

func ipAddrs(t Target, v6 bool) ([]Address, error) {
	if t.Authority != "" {
		return nil, fmt.Errorf("target %q: an %s target has no authority (%q)", t.Raw, t.Scheme, t.Authority)
	}
	if t.Endpoint == "" {
		return nil, fmt.Errorf("target %q lists no address", t.Raw)
	}
	var addrs []Address
	for _, part := range strings.Split(t.Endpoint, ",") {
		host, port := part, defaultPort
		if v6 {
			if strings.HasPrefix(part, "[") {
				h, p, err := net.SplitHostPort(part)
				if err != nil {
					return nil, fmt.Errorf("target %q: %q is not [address]:port: %w", t.Raw, part, err)
				}
				host, port = h, p
			}
		} else if h, p, ok := strings.Cut(part, ":"); ok {
			host, port = h, p
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Is4() == v6 || ip.Zone() != "" && !v6 {
			return nil, fmt.Errorf("target %q: %q is not an %s address", t.Raw, host, t.Scheme)
		}
		if err := checkPort(port); err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Raw, err)
		}
		addrs = append(addrs, Address{Addr: net.JoinHostPort(ip.String(), port), Network: "tcp"})
	}
	return addrs, nil
}

// checkPort checks a decimal TCP port.
func checkPort(port string) error {
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' || i >= 5 {
			return fmt.Errorf("port %q is not a number from 0 to 65535", port)
		}
		n = n*10 + int(port[i]-'0')
	}
	if port == "" || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// errNoAddresses is a resolution that found nothing.
var errNoAddresses = errors.New("the resolver produced zero addresses")

// ManualResolver is a Resolver whose addresses the program sets, as
// grpc-go's resolver/manual: for tests that add, remove and move backends,
// and for a program that finds its backends itself (a registry, a file).
// Give it to WithResolvers and dial "SCHEME:///anything"; every Conn built on
// it sees each Update. It is safe for concurrent use.
type ManualResolver struct {
	scheme string

	mu         sync.Mutex
	addrs      []Address
	err        error
	conns      map[*manualResolution]struct{}
	resolveNow int
}

// NewManualResolver returns a ManualResolver for scheme that starts with
// addrs (none: calls wait, or fail fast, until Update).
func NewManualResolver(scheme string, addrs ...Address) *ManualResolver {
	return &ManualResolver{scheme: scheme, addrs: addrs, conns: make(map[*manualResolution]struct{})}
}

// Scheme returns the scheme given to NewManualResolver.
func (r *ManualResolver) Scheme() string { return r.scheme }

// Build reports the current addresses (or error) to cc and keeps cc for
// later updates.
func (r *ManualResolver) Build(t Target, cc ResolverConn) (Resolution, error) {
	m := &manualResolution{r: r, cc: cc}
	r.mu.Lock()
	r.conns[m] = struct{}{}
	addrs, err := r.addrs, r.err
	r.mu.Unlock()
	switch {
	case err != nil:
		cc.ReportError(err)
	case len(addrs) > 0:
		cc.UpdateAddresses(addrs)
	}
	return m, nil
}

// Update replaces the addresses of every Conn using r.
func (r *ManualResolver) Update(addrs ...Address) {
	r.mu.Lock()
	r.addrs, r.err = addrs, nil
	conns := make([]*manualResolution, 0, len(r.conns))
	for m := range r.conns {
		conns = append(conns, m)
	}
	r.mu.Unlock()
	for _, m := range conns {
		m.cc.UpdateAddresses(addrs)
	}
}

// ReportError makes every Conn using r see a resolution failure.
func (r *ManualResolver) ReportError(err error) {
	r.mu.Lock()
	r.err = err
	conns := make([]*manualResolution, 0, len(r.conns))
	for m := range r.conns {
		conns = append(conns, m)
	}
	r.mu.Unlock()
	for _, m := range conns {
		m.cc.ReportError(err)
	}
}

// ResolveNowCalls is how many times Conns asked r to resolve again (a
// connection was lost or an attempt failed): what a watching resolver such
// as dns would answer with a fresh lookup.
func (r *ManualResolver) ResolveNowCalls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resolveNow
}

// manualResolution is one Conn's use of a ManualResolver.
type manualResolution struct {
	r  *ManualResolver
	cc ResolverConn
}

func (m *manualResolution) ResolveNow() {
	m.r.mu.Lock()
	m.r.resolveNow++
	m.r.mu.Unlock()
}

func (m *manualResolution) Close() {
	m.r.mu.Lock()
	delete(m.r.conns, m)
	m.r.mu.Unlock()
}
