package server

import (
	"crypto/tls"
	"log/slog"
	"time"

	"grpcwire/observe"
	"grpcwire/wire"
)

// An Option configures a Server.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// options is the resolved configuration of a Server.
type options struct {
	maxRecv              int
	maxSend              int
	maxConcurrentStreams uint32
	maxHeaderListSize    uint32
	initialWindow        uint32
	connWindow           uint32
	maxFrameSize         uint32
	readBuffer           int
	writeBuffer          int
	handshakeTimeout     time.Duration
	tls                  *tls.Config
	logger               *slog.Logger
	unaryInts            []UnaryInterceptor
	streamInts           []StreamInterceptor
	observer             func(net ConnInfo) observe.Observer
	keepalive            KeepaliveParams
	enforcement          KeepaliveEnforcement
	gracefulPingBound    time.Duration
}

func defaultOptions() options {
	return options{
		maxRecv:              wire.DefaultMaxRecvMsgSize,
		maxSend:              wire.DefaultMaxSendMsgSize,
		maxConcurrentStreams: wire.DefaultMaxConcurrentStreams,
		maxHeaderListSize:    wire.DefaultMaxHeaderListSize,
		initialWindow:        wire.DefaultInitialWindowSize,
		connWindow:           wire.DefaultInitialConnWindowSize,
		maxFrameSize:         wire.DefaultMaxFrameSize,
		readBuffer:           wire.DefaultReadBufferSize,
		writeBuffer:          wire.DefaultWriteBufferSize,
		handshakeTimeout:     wire.DefaultServerPrefaceTimeout,
		logger:               slog.New(slog.DiscardHandler),
		gracefulPingBound:    wire.DefaultGracefulStopPingBound,
		keepalive: KeepaliveParams{
			Time:                  wire.DefaultKeepaliveTime,
			Timeout:               wire.DefaultKeepaliveTimeout,
			MaxConnectionIdle:     wire.DefaultMaxConnectionIdle,
			MaxConnectionAge:      wire.DefaultMaxConnectionAge,
			MaxConnectionAgeGrace: wire.DefaultMaxConnectionAgeGrace,
		},
		enforcement: KeepaliveEnforcement{
			MinTime:             wire.KeepaliveMinTime,
			PermitWithoutStream: wire.DefaultKeepalivePermitWithoutStream,
			MaxStrikes:          wire.DefaultMaxPingStrikes,
		},
	}
}

// MaxRecvMsgSize limits the size of one request message (4 MiB by default).
// The declared length is checked before the message is read, and the
// decompressed size while decompressing; a larger message fails the call
// with RESOURCE_EXHAUSTED naming the limit.
func MaxRecvMsgSize(n int) Option { return optionFunc(func(o *options) { o.maxRecv = n }) }

// MaxSendMsgSize limits the size of one response message; a handler that
// sends a larger one gets RESOURCE_EXHAUSTED from SendMsg.
func MaxSendMsgSize(n int) Option { return optionFunc(func(o *options) { o.maxSend = n }) }

// MaxConcurrentStreams is how many calls one client connection may have open
// at once, advertised in SETTINGS; a stream over it is refused with
// RST_STREAM(REFUSED_STREAM). The default is wire.DefaultMaxConcurrentStreams.
func MaxConcurrentStreams(n uint32) Option {
	return optionFunc(func(o *options) { o.maxConcurrentStreams = n })
}

// MaxHeaderListSize is the largest request header list accepted, advertised
// in SETTINGS; a larger one is answered with HTTP 431.
func MaxHeaderListSize(n uint32) Option {
	return optionFunc(func(o *options) { o.maxHeaderListSize = n })
}

// InitialWindowSize sets each stream's receive window; InitialConnWindowSize
// the connection's.
func InitialWindowSize(n uint32) Option { return optionFunc(func(o *options) { o.initialWindow = n }) }

// InitialConnWindowSize sets the connection's receive window.
func InitialConnWindowSize(n uint32) Option { return optionFunc(func(o *options) { o.connWindow = n }) }

// MaxFrameSize sets the largest frame payload accepted, advertised in
// SETTINGS (16384 to 16777215).
func MaxFrameSize(n uint32) Option { return optionFunc(func(o *options) { o.maxFrameSize = n }) }

// BufferSizes sets each connection's read and write buffer sizes.
func BufferSizes(read, write int) Option {
	return optionFunc(func(o *options) { o.readBuffer, o.writeBuffer = read, write })
}

// HandshakeTimeout bounds the wait for a new connection's preface and first
// SETTINGS (and its TLS handshake).
func HandshakeTimeout(d time.Duration) Option {
	return optionFunc(func(o *options) { o.handshakeTimeout = d })
}

// TLS makes Serve run a TLS handshake on every accepted connection, offering
// ALPN "h2"; connections that do not negotiate h2 are closed with a log line.
// The config is cloned and "h2" added to its NextProtos.
func TLS(cfg *tls.Config) Option { return optionFunc(func(o *options) { o.tls = cfg }) }

// Logger sets the structured logger for connection and call events. Metadata
// values and payloads are never logged.
func Logger(l *slog.Logger) Option { return optionFunc(func(o *options) { o.logger = l }) }

// ChainUnaryInterceptor adds interceptors around every unary handler; the
// first one is the outermost.
func ChainUnaryInterceptor(ints ...UnaryInterceptor) Option {
	return optionFunc(func(o *options) { o.unaryInts = append(o.unaryInts, ints...) })
}

// ChainStreamInterceptor adds interceptors around every streaming handler.
func ChainStreamInterceptor(ints ...StreamInterceptor) Option {
	return optionFunc(func(o *options) { o.streamInts = append(o.streamInts, ints...) })
}

// FrameObserver sets a function that returns, for each accepted connection,
// an observer told of every frame it reads and writes (nil for none). The
// frame trace is built on it.
func FrameObserver(f func(ConnInfo) observe.Observer) Option {
	return optionFunc(func(o *options) { o.observer = f })
}

// ConnInfo describes an accepted connection to a FrameObserver.
type ConnInfo struct {
	LocalAddr, RemoteAddr string
	Start                 time.Time
}

// KeepaliveParams configures the pings the server sends (grpc/grpc
// doc/keepalive.md); the zero value sends none and never closes idle or old
// connections.
type KeepaliveParams struct {
	// Time without any frame from the client after which the server pings.
	Time time.Duration
	// Timeout is how long it waits for activity after the ping before
	// closing the connection (20 s when zero).
	Timeout time.Duration
	// MaxConnectionIdle closes a connection that has had no open stream
	// for this long, with GOAWAY. Zero: never.
	MaxConnectionIdle time.Duration
	// MaxConnectionAge closes a connection this old, gracefully, with
	// GOAWAY; MaxConnectionAgeGrace then bounds the wait for its calls.
	MaxConnectionAge      time.Duration
	MaxConnectionAgeGrace time.Duration
}

// KeepaliveEnforcement is the policy on the client's pings: pings more often
// than MinTime, or without open streams when !PermitWithoutStream, are
// strikes; more than MaxStrikes end the connection with GOAWAY
// ENHANCE_YOUR_CALM "too_many_pings".
type KeepaliveEnforcement struct {
	MinTime             time.Duration
	PermitWithoutStream bool
	MaxStrikes          int
}

// Keepalive sets the server's own pings and connection ages.
func Keepalive(p KeepaliveParams) Option { return optionFunc(func(o *options) { o.keepalive = p }) }

// KeepaliveEnforcementPolicy sets the policy on the client's pings.
func KeepaliveEnforcementPolicy(p KeepaliveEnforcement) Option {
	return optionFunc(func(o *options) { o.enforcement = p })
}
