package client

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"grpcwire/observe"
	"grpcwire/wire"
)

// An Option configures a Conn.
type Option interface {
	apply(*dialOptions)
}

type optionFunc func(*dialOptions)

func (f optionFunc) apply(o *dialOptions) { f(o) }

type dialOptions struct {
	tls               *tls.Config
	dialer            func(ctx context.Context, addr string) (net.Conn, error)
	userAgent         string
	authority         string
	callOpts          []CallOption
	maxRecv           int
	maxSend           int
	connectTimeout    time.Duration
	backoff           Backoff
	keepalive         KeepaliveParams
	initialWindow     uint32
	connWindow        uint32
	maxFrameSize      uint32
	maxHeaderListSize uint32
	readBuffer        int
	writeBuffer       int
	observer          func(ConnInfo) observe.Observer
	logger            *slog.Logger
	unaryInts         []UnaryInterceptor
	streamInts        []StreamInterceptor
	waitForReady      bool
	resolvers         []Resolver
	serviceConfig     string
}

func defaultDialOptions() dialOptions {
	return dialOptions{
		maxRecv:           wire.DefaultMaxRecvMsgSize,
		maxSend:           wire.DefaultMaxSendMsgSize,
		connectTimeout:    wire.DefaultMinConnectTimeout,
		backoff:           DefaultBackoff,
		keepalive:         KeepaliveParams{Time: wire.DefaultKeepaliveTime, Timeout: wire.DefaultKeepaliveTimeout, PermitWithoutStream: wire.DefaultKeepalivePermitWithoutStream},
		initialWindow:     wire.DefaultInitialWindowSize,
		connWindow:        wire.DefaultInitialConnWindowSize,
		maxFrameSize:      wire.DefaultMaxFrameSize,
		maxHeaderListSize: wire.DefaultMaxHeaderListSize,
		readBuffer:        wire.DefaultReadBufferSize,
		writeBuffer:       wire.DefaultWriteBufferSize,
		logger:            slog.New(slog.DiscardHandler),
	}
}

// WithTLS makes the Conn speak TLS, offering ALPN "h2" (required: a server
// that does not select it is refused). The config is cloned; set its
// RootCAs for a private CA and ServerName to override the name checked in
// the certificate (which is also sent as :authority unless WithAuthority).
// Without WithTLS the Conn speaks cleartext HTTP/2 with prior knowledge.
func WithTLS(cfg *tls.Config) Option { return optionFunc(func(o *dialOptions) { o.tls = cfg }) }

// WithDialer replaces net.Dialer for making connections. It is called once
// per connection with the address the target resolved to: host:port for
// TCP, and the address in target syntax ("unix:/run/users.sock",
// "unix-abstract:users") for a Unix socket.
func WithDialer(f func(ctx context.Context, addr string) (net.Conn, error)) Option {
	return optionFunc(func(o *dialOptions) { o.dialer = f })
}

// WithUserAgent puts the application's product token before grpcwire's own
// in user-agent, as in "myapp/1.2 grpc-go-grpcwire/0.1.0".
func WithUserAgent(ua string) Option { return optionFunc(func(o *dialOptions) { o.userAgent = ua }) }

// WithAuthority sets :authority (the target's host:port by default).
func WithAuthority(a string) Option { return optionFunc(func(o *dialOptions) { o.authority = a }) }

// WithDefaultCallOptions applies opts to every call, before the call's own.
func WithDefaultCallOptions(opts ...CallOption) Option {
	return optionFunc(func(o *dialOptions) { o.callOpts = append(o.callOpts, opts...) })
}

// WithMaxRecvMsgSize sets the default limit on one response message
// (4 MiB by default); WithMaxSendMsgSize on one request message.
func WithMaxRecvMsgSize(n int) Option { return optionFunc(func(o *dialOptions) { o.maxRecv = n }) }

// WithMaxSendMsgSize sets the default limit on one request message.
func WithMaxSendMsgSize(n int) Option { return optionFunc(func(o *dialOptions) { o.maxSend = n }) }

// WithConnectTimeout bounds one connection attempt: TCP, TLS and the
// server's first SETTINGS (20 s by default, grpc/grpc
// doc/connection-backoff.md's MIN_CONNECT_TIMEOUT).
func WithConnectTimeout(d time.Duration) Option {
	return optionFunc(func(o *dialOptions) { o.connectTimeout = d })
}

// Backoff is the reconnection policy of grpc/grpc doc/connection-backoff.md:
// after the n-th failed attempt in a row the next waits
// min(BaseDelay*Multiplier^n, MaxDelay), randomized by ±Jitter.
type Backoff struct {
	BaseDelay  time.Duration
	Multiplier float64
	Jitter     float64
	MaxDelay   time.Duration
}

// DefaultBackoff is doc/connection-backoff.md's policy.
var DefaultBackoff = Backoff{
	BaseDelay:  wire.DefaultBackoffBaseDelay,
	Multiplier: wire.DefaultBackoffMultiplier,
	Jitter:     wire.DefaultBackoffJitter,
	MaxDelay:   wire.DefaultBackoffMaxDelay,
}

// WithBackoff sets the reconnection policy.
func WithBackoff(b Backoff) Option { return optionFunc(func(o *dialOptions) { o.backoff = b }) }

// KeepaliveParams configures the client's pings (grpc/grpc doc/keepalive.md),
// off by default. A server that answers GOAWAY "too_many_pings" makes the
// client double Time for its later connections.
type KeepaliveParams struct {
	Time                time.Duration // ping after this long without frames
	Timeout             time.Duration // close if nothing arrives this long after the ping (20 s when zero)
	PermitWithoutStream bool          // ping even with no call in flight
}

// WithKeepalive turns the client's pings on.
func WithKeepalive(p KeepaliveParams) Option {
	return optionFunc(func(o *dialOptions) { o.keepalive = p })
}

// WithInitialWindowSize sets each stream's receive window.
func WithInitialWindowSize(n uint32) Option {
	return optionFunc(func(o *dialOptions) { o.initialWindow = n })
}

// WithInitialConnWindowSize sets the connection's receive window.
func WithInitialConnWindowSize(n uint32) Option {
	return optionFunc(func(o *dialOptions) { o.connWindow = n })
}

// WithBufferSizes sets the connection's read and write buffer sizes.
func WithBufferSizes(read, write int) Option {
	return optionFunc(func(o *dialOptions) { o.readBuffer, o.writeBuffer = read, write })
}

// ConnInfo describes a new connection to a frame observer.
type ConnInfo struct {
	LocalAddr, RemoteAddr string
	Start                 time.Time
	// Address is the address the connection was made to, as the target's
	// resolver gave it: with several backends, which one this is.
	Address Address
}

// WithFrameObserver sets a function returning, for each connection made, an
// observer told of every frame read and written. The frame trace uses it.
func WithFrameObserver(f func(ConnInfo) observe.Observer) Option {
	return optionFunc(func(o *dialOptions) { o.observer = f })
}

// WithLogger sets the structured logger for connection events.
func WithLogger(l *slog.Logger) Option { return optionFunc(func(o *dialOptions) { o.logger = l }) }

// WithWaitForReady makes every call wait for the connection by default.
func WithWaitForReady() Option { return optionFunc(func(o *dialOptions) { o.waitForReady = true }) }

// WithResolvers adds resolvers for their schemes, in front of the built-in
// ones (dns, passthrough, unix, unix-abstract, ipv4, ipv6), as grpc-go's
// grpc.WithResolvers does: a target "SCHEME:..." is then resolved by the one
// whose Scheme() is SCHEME. A DNSResolver given here replaces the default
// dns resolver (to change its MinInterval, say); a ManualResolver lets a
// test or a program set the addresses itself.
func WithResolvers(rs ...Resolver) Option {
	return optionFunc(func(o *dialOptions) { o.resolvers = append(o.resolvers, rs...) })
}

// WithServiceConfig sets the Conn's service config, grpc's JSON (grpc/grpc
// doc/service_config.md), for instance
//
//	{"loadBalancingConfig": [{"round_robin": {}}],
//	 "healthCheckConfig": {"serviceName": ""},
//	 "methodConfig": [{"name": [{"service": "users.Users"}], "timeout": "2s", "waitForReady": true}]}
//
// It chooses the load-balancing policy (pick_first, the default, or
// round_robin), turns on client-side health checking, and gives methods a
// default timeout and wait-for-ready. Fields it does not know or implement
// (retryPolicy, hedgingPolicy, message size limits) are ignored, as grpc
// ignores unknown fields; malformed JSON, or a known field with a bad value,
// makes Dial fail. See parseServiceConfig for every rule.
func WithServiceConfig(json string) Option {
	return optionFunc(func(o *dialOptions) { o.serviceConfig = json })
}
