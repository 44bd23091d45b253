package client

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/framing"
	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// Conn is a client connection to a target: grpc's channel. It resolves the
// target (doc/naming.md; see Dial), keeps one HTTP/2 connection per address
// as its load-balancing policy wants (pick_first by default, round_robin by
// the service config; see WithServiceConfig), multiplexes any number of
// concurrent calls over them, reconnects with backoff when a connection is
// lost, and moves new calls elsewhere when a server sends GOAWAY. It
// connects lazily, on the first call or WaitReady. It is safe for concurrent
// use; Close ends everything.
type Conn struct {
	target    string
	parsed    Target
	resolver  Resolver
	authority string
	opts      dialOptions
	config    *serviceConfig
	policy    string // policyPickFirst or policyRoundRobin
	// reqFields are the request header fields every call starts with.
	reqFields []hpack.HeaderField
	scheme    string

	mu         sync.Mutex
	exited     bool                         // the resolver has been built: the Conn left idle
	res        Resolution                   // the resolver at work; nil before the first call
	resolved   bool                         // the resolver has reported addresses or an error
	resolveErr error                        // the resolver's last error; nil once addresses arrived
	subs       []*subConn                   // one per address, in the resolver's order
	rrNext     int                          // round_robin: the index to try first
	live       map[*transport.Conn]struct{} // every running connection, those taking calls and those draining after GOAWAY
	changed    chan struct{}                // closed, and replaced, when any connection's state changes
	lastErr    error                        // why the last attempt failed; nil after a success
	closed     bool
	closeCh    chan struct{}
	kaTime     time.Duration // keepalive time, doubled on "too_many_pings"
	wg         sync.WaitGroup
}

// Dial returns a Conn to target, in grpc's target syntax (doc/naming.md):
//
//	localhost:50051                   host:port, dialed as it is (passthrough)
//	dns:///backends.example:50051     every A and AAAA record, re-resolved as they change
//	dns://8.8.8.8/backends.example:50051  the same, asking that DNS server
//	ipv4:10.0.0.1:50051,10.0.0.2:50051    a fixed list (ipv6:[::1]:50051,... too)
//	unix:/run/users.sock              a Unix socket (unix:relative/path, unix:///abs/path)
//	unix-abstract:users               a socket in Linux's abstract namespace
//	passthrough:///localhost:50051    host:port, explicitly
//
// or a scheme of a Resolver given to WithResolvers. It does not connect: the
// first call or WaitReady does. It fails only for a malformed target or
// service config.
func Dial(target string, opts ...Option) (*Conn, error) {
	c := &Conn{target: target, opts: defaultDialOptions(), closeCh: make(chan struct{}), changed: make(chan struct{})}
	for _, o := range opts {
		o.apply(&c.opts)
	}
	resolvers := builtinResolvers()
	for _, r := range c.opts.resolvers {
		resolvers[strings.ToLower(r.Scheme())] = r
	}
	parsed, err := parseTarget(target, func(s string) bool { return resolvers[s] != nil })
	if err != nil {
		return nil, fmt.Errorf("grpcwire/client: %w", err)
	}
	c.parsed, c.resolver = parsed, resolvers[parsed.Scheme]
	if ck, ok := c.resolver.(checker); ok {
		if err := ck.check(parsed); err != nil {
			return nil, fmt.Errorf("grpcwire/client: %w", err)
		}
	}
	if c.config, err = parseServiceConfig(c.opts.serviceConfig); err != nil {
		return nil, fmt.Errorf("grpcwire/client: WithServiceConfig: %w", err)
	}
	c.policy = c.config.policy
	c.kaTime = c.opts.keepalive.Time
	// The :authority, as grpc-go chooses it: WithAuthority, else the TLS
	// config's ServerName, else what the target's resolver says.
	c.authority = c.opts.authority
	if c.authority == "" && c.opts.tls != nil {
		c.authority = c.opts.tls.ServerName
	}
	if c.authority == "" {
		c.authority = defaultAuthority(parsed, c.resolver)
	}
	c.scheme = wire.SchemeHTTP
	if c.opts.tls != nil {
		c.scheme = wire.SchemeHTTPS
	}
	ua := wire.UserAgent
	if c.opts.userAgent != "" {
		ua = c.opts.userAgent + " " + ua
	}
	accept := make([]string, 0, 2)
	for _, n := range framing.Names() {
		if n != "identity" {
			accept = append(accept, n)
		}
	}
	c.reqFields = []hpack.HeaderField{
		{Name: wire.HeaderMethod, Value: wire.MethodPOST},
		{Name: wire.HeaderScheme, Value: c.scheme},
		{Name: wire.HeaderPath}, // filled per call
		{Name: wire.HeaderAuthority, Value: c.authority},
		{Name: wire.HeaderContentType, Value: wire.ContentType},
		{Name: wire.HeaderTE, Value: wire.TETrailers},
		{Name: wire.HeaderUserAgent, Value: ua},
	}
	if len(accept) > 0 {
		c.reqFields = append(c.reqFields, hpack.HeaderField{Name: wire.HeaderAcceptEncoding, Value: strings.Join(accept, ",")})
	}
	return c, nil
}

// Target returns the target given to Dial.
func (c *Conn) Target() string { return c.target }

// Close closes the connection: every call in flight fails with CANCELLED
// and later calls fail at once. It waits for the connection's goroutines.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.closeCh)
	res := c.res
	for _, sc := range c.subs {
		sc.shutdownLocked(false)
	}
	live := make([]*transport.Conn, 0, len(c.live))
	for tc := range c.live {
		live = append(live, tc)
	}
	c.changedLocked()
	c.mu.Unlock()
	if res != nil {
		res.Close()
	}
	// Tell each server, as grpc-go's client does, then close.
	for _, tc := range live {
		tc.CloseWithGoAway(http2.ErrCodeNo, "client closed")
	}
	c.wg.Wait()
	return nil
}

// WaitReady connects if needed and waits until a connection is up (for
// round_robin, the first one) or ctx ends (the tutorial's
// channel_ready_future(...).result(timeout=10)). Failed attempts are
// retried with backoff until then.
func (c *Conn) WaitReady(ctx context.Context) error {
	_, err := c.transport(ctx, true)
	return err
}

// transport returns a connection that can take a new stream, connecting as
// the policy wants if none is ready. Without waitForReady it fails fast with
// UNAVAILABLE once nothing is left to wait for (every address has failed
// and waits for its backoff, or the target does not resolve); with it, it
// waits for ctx.
func (c *Conn) transport(ctx context.Context, waitForReady bool) (*transport.Conn, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, errClosing
		}
		if !c.exited {
			c.exitIdle()
			continue
		}
		if tc := c.pickLocked(); tc != nil {
			c.mu.Unlock()
			return tc, nil
		}
		c.connectLocked()
		if !waitForReady && c.resolved {
			if err := c.failFastLocked(); err != nil {
				c.mu.Unlock()
				return nil, err
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, c.waitFailed(ctx.Err())
		}
	}
}

// exitIdle builds the resolver, on the Conn's first call. It is called with
// c.mu held and returns with it released: the resolver is built without it,
// since it may report its addresses at once.
func (c *Conn) exitIdle() {
	c.exited = true
	c.mu.Unlock()
	res, err := c.resolver.Build(c.parsed, resolverConn{c})
	c.mu.Lock()
	switch {
	case err != nil:
		c.resolved = true
		c.resolveErr = err
		c.changedLocked()
	case c.closed:
		// Close ran meanwhile and could not close it. Its Close may wait
		// for a goroutine that reports to c, so c.mu is not held.
		c.mu.Unlock()
		res.Close()
		return
	default:
		c.res = res
	}
	c.mu.Unlock()
}

// changedLocked wakes every call waiting for a connection.
func (c *Conn) changedLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// resolveNowLocked asks the resolver to resolve again: an address failed or
// lost its connection, and may have moved.
func (c *Conn) resolveNowLocked() {
	if c.res != nil && !c.closed {
		c.res.ResolveNow()
	}
}

// waitFailed is the status of a wait for the connection that ctx ended: it
// names the last attempt's failure, since "deadline exceeded" alone does not
// say what to fix.
func (c *Conn) waitFailed(ctxErr error) error {
	c.mu.Lock()
	lastErr := c.lastErr
	if lastErr == nil && len(c.subs) == 0 && c.resolveErr != nil {
		lastErr = fmt.Errorf("resolving %q failed: %w", c.target, c.resolveErr)
	}
	c.mu.Unlock()
	if lastErr != nil {
		st := contextStatus(ctxErr, "while waiting for the connection")
		return wire.Errorf(st.Code, "%s; the last connection attempt failed: %w", st.Message, lastErr)
	}
	return contextStatus(ctxErr, "while waiting for the connection")
}

// resolverConn is how the Conn's resolver reports to it.
type resolverConn struct{ c *Conn }

// UpdateAddresses replaces the Conn's addresses.
func (r resolverConn) UpdateAddresses(addrs []Address) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.resolved = true
	if len(addrs) == 0 {
		c.resolveErr = errNoAddresses
		c.updateAddressesLocked(nil)
		return
	}
	c.resolveErr = nil
	if c.policy == policyPickFirst && c.config.shuffle {
		addrs = shuffled(addrs)
	}
	c.updateAddressesLocked(addrs)
}

// ReportError records the resolver's failure: calls fail with it while no
// address is known.
func (r resolverConn) ReportError(err error) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.resolved = true
	c.resolveErr = err
	c.opts.logger.Info("grpcwire: name resolution failed", "target", c.target, "err", err)
	c.changedLocked()
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// onGoAway reacts to the server's GOAWAY: "too_many_pings" doubles the
// keepalive time for later connections (doc/keepalive.md).
func (c *Conn) onGoAway(last uint32, code http2.ErrCode, debug []byte) {
	if code == http2.ErrCodeEnhanceYourCalm && string(debug) == "too_many_pings" {
		c.mu.Lock()
		if c.kaTime > 0 {
			c.kaTime *= 2
		}
		c.mu.Unlock()
		c.opts.logger.Warn("grpcwire: server said too_many_pings; doubling the keepalive time", "target", c.target)
	}
}
