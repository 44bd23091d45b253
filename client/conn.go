package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/framing"
	"grpcwire/internal/transport"
	"grpcwire/wire"
)

// Conn is a client connection to one target ("host:port"). It dials lazily,
// on the first call or WaitReady, multiplexes any number of concurrent calls
// over one HTTP/2 connection, reconnects (with backoff) when the connection
// is lost, and moves new calls to a new connection when the server sends
// GOAWAY. It is safe for concurrent use; Close ends everything.
type Conn struct {
	target    string
	authority string
	opts      dialOptions
	// reqFields are the request header fields every call starts with.
	reqFields []hpack.HeaderField
	scheme    string

	mu       sync.Mutex
	tc       *transport.Conn              // the current connection; nil when none
	live     map[*transport.Conn]struct{} // every running connection, the current one and those draining after GOAWAY
	attempt  chan struct{}                // closed when the connection attempt under way ends
	lastErr  error                        // why the last attempt failed; nil after a success
	failures int                          // failed attempts in a row, for backoff
	retryAt  time.Time                    // the next attempt may not start before
	closed   bool
	closeCh  chan struct{}
	kaTime   time.Duration // keepalive time, doubled on "too_many_pings"
	wg       sync.WaitGroup
}

// Dial returns a Conn to target ("host:port"). It does not connect: the
// first call or WaitReady does. It fails only for a malformed target.
func Dial(target string, opts ...Option) (*Conn, error) {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("grpcwire/client: target %q is not host:port: %w", target, err)
	}
	c := &Conn{target: target, opts: defaultDialOptions(), closeCh: make(chan struct{})}
	for _, o := range opts {
		o.apply(&c.opts)
	}
	c.kaTime = c.opts.keepalive.Time
	c.authority = c.opts.authority
	if c.authority == "" {
		c.authority = target
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

// Target returns the address the Conn dials.
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
	c.tc = nil
	live := make([]*transport.Conn, 0, len(c.live))
	for tc := range c.live {
		live = append(live, tc)
	}
	c.mu.Unlock()
	// Tell each server, as grpc-go's client does, then close.
	for _, tc := range live {
		tc.CloseWithGoAway(http2.ErrCodeNo, "client closed")
	}
	c.wg.Wait()
	return nil
}

// WaitReady connects if needed and waits until the connection is up or ctx
// ends (the tutorial's channel_ready_future(...).result(timeout=10)). Failed
// attempts are retried with backoff until then.
func (c *Conn) WaitReady(ctx context.Context) error {
	_, err := c.transport(ctx, true)
	return err
}

// transport returns a connection that can take a new stream, connecting if
// there is none. Without waitForReady it fails fast with UNAVAILABLE once an
// attempt has failed; with it, it waits for ctx.
func (c *Conn) transport(ctx context.Context, waitForReady bool) (*transport.Conn, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, errClosing
		}
		if c.tc != nil && c.tc.CanOpen() {
			tc := c.tc
			c.mu.Unlock()
			return tc, nil
		}
		if c.attempt == nil {
			c.attempt = make(chan struct{})
			delay := time.Until(c.retryAt)
			c.wg.Add(1)
			go c.connect(c.attempt, delay)
		}
		attempt := c.attempt
		lastErr := c.lastErr
		backingOff := lastErr != nil && time.Now().Before(c.retryAt)
		c.mu.Unlock()
		if backingOff && !waitForReady {
			return nil, unavailable(lastErr)
		}
		select {
		case <-attempt:
		case <-ctx.Done():
			return nil, c.waitFailed(ctx.Err())
		}
		if !waitForReady {
			c.mu.Lock()
			err := c.lastErr
			ok := c.tc != nil && c.tc.CanOpen()
			c.mu.Unlock()
			if !ok && err != nil {
				return nil, unavailable(err)
			}
		}
	}
}

// waitFailed is the status of a wait for the connection that ctx ended: it
// names the last attempt's failure, since "deadline exceeded" alone does not
// say what to fix.
func (c *Conn) waitFailed(ctxErr error) error {
	c.mu.Lock()
	lastErr := c.lastErr
	c.mu.Unlock()
	if lastErr != nil {
		return contextStatus(ctxErr, "while waiting for the connection; the last connection attempt failed: "+lastErr.Error())
	}
	return contextStatus(ctxErr, "while waiting for the connection")
}

// connect runs one connection attempt after delay, then closes attempt.
func (c *Conn) connect(attempt chan struct{}, delay time.Duration) {
	defer c.wg.Done()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.closeCh:
			t.Stop()
		}
	}
	tc, err := c.dial()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		if tc != nil {
			tc.Close()
		}
		close(attempt)
		return
	}
	c.attempt = nil
	if err != nil {
		c.lastErr = err
		c.retryAt = time.Now().Add(c.backoffDelay(c.failures))
		c.failures++
		c.opts.logger.Info("grpcwire: connection attempt failed", "target", c.target, "err", err, "retry_in", time.Until(c.retryAt).Round(time.Millisecond))
	} else {
		c.lastErr = nil
		c.failures = 0
		c.retryAt = time.Time{}
		c.tc = tc
	}
	c.mu.Unlock()
	close(attempt)
}

// backoffDelay is doc/connection-backoff.md's delay after n failures.
func (c *Conn) backoffDelay(n int) time.Duration {
	b := c.opts.backoff
	d := float64(b.BaseDelay)
	for i := 0; i < n && d < float64(b.MaxDelay); i++ {
		d *= b.Multiplier
	}
	d = min(d, float64(b.MaxDelay))
	d *= 1 + b.Jitter*(rand.Float64()*2-1)
	return time.Duration(d)
}

// dial makes one connection: TCP, TLS with ALPN h2, the HTTP/2 preface, and
// the server's first SETTINGS, which prove it speaks HTTP/2.
func (c *Conn) dial() (*transport.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.connectTimeout)
	defer cancel()
	go func() {
		select {
		case <-c.closeCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	var nc net.Conn
	var err error
	if c.opts.dialer != nil {
		nc, err = c.opts.dialer(ctx, c.target)
	} else {
		var d net.Dialer
		nc, err = d.DialContext(ctx, "tcp", c.target)
	}
	if err != nil {
		return nil, describeDialError(c.target, err)
	}
	if c.opts.tls != nil {
		cfg := c.opts.tls.Clone()
		if !slices.Contains(cfg.NextProtos, "h2") {
			cfg.NextProtos = append(cfg.NextProtos, "h2")
		}
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(c.authority)
			cfg.ServerName = host
		}
		tlc := tls.Client(nc, cfg)
		if err := tlc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, describeTLSError(c.target, err)
		}
		if p := tlc.ConnectionState().NegotiatedProtocol; p != "h2" {
			tlc.Close()
			return nil, fmt.Errorf("the server at %s did not negotiate HTTP/2 over TLS (ALPN %q); gRPC needs h2", c.target, p)
		}
		nc = tlc
	}
	cfg := transport.Config{
		MaxFrameSize:      c.opts.maxFrameSize,
		InitialWindowSize: c.opts.initialWindow,
		ConnWindowSize:    c.opts.connWindow,
		MaxHeaderListSize: c.opts.maxHeaderListSize,
		ReadBufferSize:    c.opts.readBuffer,
		WriteBufferSize:   c.opts.writeBuffer,
		Logger:            c.opts.logger,
		OnGoAway:          c.onGoAway,
	}
	c.mu.Lock()
	if c.kaTime > 0 {
		cfg.Keepalive = transport.KeepaliveConfig{Time: c.kaTime, Timeout: c.opts.keepalive.Timeout, PermitWithoutStream: c.opts.keepalive.PermitWithoutStream}
	}
	c.mu.Unlock()
	if c.opts.observer != nil {
		cfg.Observer = c.opts.observer(ConnInfo{LocalAddr: nc.LocalAddr().String(), RemoteAddr: nc.RemoteAddr().String(), Start: time.Now()})
	}
	tc := transport.NewClientConn(nc, cfg)
	c.mu.Lock()
	if c.live == nil {
		c.live = make(map[*transport.Conn]struct{})
	}
	c.live[tc] = struct{}{}
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		tc.Run()
		c.mu.Lock()
		if c.tc == tc {
			c.tc = nil
		}
		delete(c.live, tc)
		c.mu.Unlock()
	}()
	select {
	case <-tc.Settled():
		return tc, nil
	case <-tc.Done():
		return nil, describeEarlyClose(c.target, c.opts.tls != nil, tc.Err())
	case <-ctx.Done():
		tc.Close()
		if c.isClosed() {
			return nil, errClosing
		}
		return nil, fmt.Errorf("no HTTP/2 SETTINGS from %s within %v: is it a gRPC server?", c.target, c.opts.connectTimeout)
	}
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

// describeDialError says in plain words why a TCP connection failed.
func describeDialError(target string, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot resolve %q (DNS): %w", dnsErr.Name, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection refused by %s: no server is listening there: %w", target, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("timed out connecting to %s: %w", target, err)
	}
	return fmt.Errorf("cannot connect to %s: %w", target, err)
}

// describeTLSError says in plain words why a TLS handshake failed.
func describeTLSError(target string, err error) error {
	var rhe tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &rhe):
		return fmt.Errorf("TLS handshake with %s failed: the server does not speak TLS (a cleartext port? then dial without client.WithTLS): %w", target, err)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("TLS handshake with %s failed: the server closed the connection; it is probably a cleartext port (dial without client.WithTLS): %w", target, err)
	case strings.Contains(err.Error(), "no application protocol"):
		return fmt.Errorf("TLS handshake with %s failed: the server does not offer HTTP/2 (ALPN h2), so it is not a gRPC server: %w", target, err)
	case errors.As(err, &certErr):
		return fmt.Errorf("TLS handshake with %s failed: the server's certificate was not accepted (set tls.Config.RootCAs for a private CA, ServerName for another name): %w", target, err)
	}
	return fmt.Errorf("TLS handshake with %s failed: %w", target, err)
}

// describeEarlyClose says why a connection ended before the server's
// SETTINGS: most often the server speaks HTTP/1.1, or TLS on a cleartext
// client.
func describeEarlyClose(target string, useTLS bool, err error) error {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	switch {
	case strings.Contains(msg, "HTTP/1.1"):
		return fmt.Errorf("the server at %s spoke HTTP/1.1, not HTTP/2: it is not a gRPC server (or it wants TLS)", target)
	case !useTLS && strings.Contains(msg, "frame header"):
		return fmt.Errorf("the server at %s did not speak HTTP/2 (does it expect TLS? then dial with client.WithTLS): %w", target, err)
	}
	return fmt.Errorf("the connection to %s ended before the server's HTTP/2 SETTINGS arrived (does it expect TLS? then dial with client.WithTLS): %w", target, err)
}
