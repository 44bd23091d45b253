package transport

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/observe"
)

// Config shapes one connection. The server and client packages fill every
// field from their options and grpcwire/wire's defaults; the zero value of a
// field here means "the RFC 9113 initial value", "off", or, where RFC 9113
// gives no initial value, wire's default, as documented (defaults.go lists
// them all).
type Config struct {
	// MaxFrameSize is the largest frame payload this side accepts,
	// advertised as SETTINGS_MAX_FRAME_SIZE (16384 when zero).
	MaxFrameSize uint32
	// InitialWindowSize is each stream's receive window, advertised as
	// SETTINGS_INITIAL_WINDOW_SIZE (65535 when zero).
	InitialWindowSize uint32
	// ConnWindowSize is the connection's receive window; a WINDOW_UPDATE on
	// stream 0 raises it from 65535 right after the preface.
	ConnWindowSize uint32
	// MaxConcurrentStreams is how many streams the peer may open at once,
	// advertised as SETTINGS_MAX_CONCURRENT_STREAMS and enforced with
	// RST_STREAM(REFUSED_STREAM). Zero advertises nothing and enforces no
	// limit. Only a server sets it.
	MaxConcurrentStreams uint32
	// MaxHeaderListSize is the largest header list this side accepts,
	// advertised as SETTINGS_MAX_HEADER_LIST_SIZE
	// (wire.DefaultMaxHeaderListSize, 16 KiB, when zero).
	MaxHeaderListSize uint32
	// SendQuota is how many bytes of DATA one stream may have queued for
	// the writer before its writes block (64 KiB, grpc-go's default, when
	// zero).
	SendQuota int
	// ReadBufferSize and WriteBufferSize size the connection's buffers
	// (wire's defaults, 32 KiB, when zero). Neither is held while the
	// connection is idle.
	ReadBufferSize, WriteBufferSize int
	// HandshakeTimeout bounds the wait for the client preface and first
	// SETTINGS frame on a server (no bound when zero).
	HandshakeTimeout time.Duration
	// GracefulPingBound bounds how long GracefulShutdown, and a server's
	// MaxConnectionAge, wait for the ACK of the PING that follows the
	// first GOAWAY (wire.DefaultGracefulStopPingBound, 5 s, when zero).
	GracefulPingBound time.Duration
	// Observer, if set, is told of every frame read and written.
	Observer observe.Observer
	// Logger receives connection-level events; nil discards them.
	Logger *slog.Logger
	// OnStream is called on the reader goroutine for every stream the peer
	// opens (servers only). It must not block: hand the stream to another
	// goroutine.
	OnStream func(*Stream)
	// OnGoAway, if set, is called on the reader goroutine when the peer
	// sends GOAWAY.
	OnGoAway func(lastStreamID uint32, code http2.ErrCode, debug []byte)
	// Keepalive configures pings; see KeepaliveConfig.
	Keepalive KeepaliveConfig
}

// KeepaliveConfig configures the pings a connection sends to find a dead
// peer and the policy it enforces on the peer's pings (grpc/grpc
// doc/keepalive.md). The zero value turns all of it off.
type KeepaliveConfig struct {
	// Time is how long the connection may see no frame before it sends a
	// PING; zero sends none.
	Time time.Duration
	// Timeout is how long it waits for any frame after such a PING before
	// closing the connection (wire.DefaultKeepaliveTimeout, 20 s, when
	// zero).
	Timeout time.Duration
	// PermitWithoutStream allows those pings while no stream is open.
	PermitWithoutStream bool

	// MaxConnectionIdle closes a server connection with no open stream for
	// this long, with GOAWAY "max_idle". Zero: never.
	MaxConnectionIdle time.Duration
	// MaxConnectionAge closes a server connection this old (±10%) with a
	// graceful GOAWAY "max_age"; MaxConnectionAgeGrace then bounds the wait
	// for its streams (zero: no bound).
	MaxConnectionAge      time.Duration
	MaxConnectionAgeGrace time.Duration

	// EnforceMinTime is the shortest interval between the peer's pings
	// that a server tolerates; pings more frequent than that (and pings
	// while no stream is open, unless EnforcePermitWithoutStream) are
	// strikes. Zero disables enforcement.
	EnforceMinTime time.Duration
	// EnforcePermitWithoutStream tolerates peer pings without streams.
	EnforcePermitWithoutStream bool
	// MaxPingStrikes is how many strikes end the connection with GOAWAY
	// ENHANCE_YOUR_CALM "too_many_pings".
	MaxPingStrikes int
}

// Conn is one HTTP/2 connection, server or client side.
type Conn struct {
	nc       net.Conn
	cfg      Config
	isServer bool
	start    time.Time // for observers' elapsed times
	log      *slog.Logger

	br            connReader
	lastLargeData uint32        // the stream of the last DATA payload over coalesceMax (reader goroutine)
	coalesceMax   int           // DATA payloads up to this size are copied into shared buffers (smallData, at most the read buffer)
	fr            *http2.Framer // reads only; owned by the reader
	hdec          *hpack.Decoder

	q       queue
	wmu     sync.Mutex // the write lock: its holder owns w and writes frames (inline.go)
	w       writer
	nopen   atomic.Int32  // len(streams), read without mu by inline writers
	wdone   chan struct{} // closed when the writer goroutine has exited
	done    chan struct{} // closed when the connection has ended
	settled chan struct{} // closed when the peer's first SETTINGS frame has arrived
	closed  atomic.Bool

	lastRead       atomic.Int64 // unix nanos of the last frame read, for keepalive
	sentSincePing  atomic.Bool  // this side wrote HEADERS or DATA since the peer's last PING
	pendingControl atomic.Int64 // answers to the peer queued and not yet written
	ka             keepalive
	closing        chan struct{} // closed when shutdown begins
	slots          chan struct{} // server: one token per stream whose handler runs
	nextLocalID    atomic.Uint32 // the writer's next client stream id, for idle checks

	resetMu sync.Mutex
	resets  *recentResetSet // made on the first reset

	mu              sync.Mutex
	streams         map[uint32]*Stream
	maxPeerStreamID uint32 // highest stream id the peer has opened
	goAwaySent      bool   // no more peer streams are accepted past goAwayLastID
	goAwayLastID    uint32
	goAwayRecv      bool   // the peer said GOAWAY; no new local streams
	peerGoAwayID    uint32 // its last stream id
	peerMaxStreams  uint32 // the peer's SETTINGS_MAX_CONCURRENT_STREAMS (client)
	waitingOpens    int    // client streams waiting for a free slot
	err             error  // why the connection ended
	writeErr        error  // a client's write failed; the reader drains, then the connection ends with it
	draining        bool   // close once no stream remains
	pingWaiters     map[[8]byte]chan struct{}

	// Reader-owned.
	hdrDec      blockDecoder // the header block being decoded
	hdrBlock    headerBlock  // the header block being processed
	floods      floodState   // the peer's allowances of cheap frames
	recvWindow  int64        // the connection's remaining receive window
	recvUnacked int64        // received bytes not yet returned with WINDOW_UPDATE
	sawSettings bool         // the peer's first SETTINGS has arrived
}

// NewServerConn wraps an accepted connection. Call Run to serve it.
func NewServerConn(nc net.Conn, cfg Config) *Conn { return newConn(nc, cfg, true) }

// NewClientConn wraps a dialled connection. Call Run (in its own goroutine)
// to start it; streams may be opened right away.
func NewClientConn(nc net.Conn, cfg Config) *Conn { return newConn(nc, cfg, false) }

func newConn(nc net.Conn, cfg Config, server bool) *Conn {
	if cfg.MaxFrameSize == 0 {
		cfg.MaxFrameSize = rfcMaxFrameSize
	}
	if cfg.InitialWindowSize == 0 {
		cfg.InitialWindowSize = rfcInitialWindowSize
	}
	if cfg.ConnWindowSize < rfcInitialWindowSize {
		cfg.ConnWindowSize = rfcInitialWindowSize
	}
	if cfg.MaxHeaderListSize == 0 {
		cfg.MaxHeaderListSize = defaultMaxHeaderListSize
	}
	if cfg.SendQuota <= 0 {
		cfg.SendQuota = defaultSendQuota
	}
	if cfg.ReadBufferSize <= 0 {
		cfg.ReadBufferSize = defaultReadBufferSize
	}
	if cfg.WriteBufferSize <= 0 {
		cfg.WriteBufferSize = defaultWriteBufferSize
	}
	if cfg.GracefulPingBound <= 0 {
		cfg.GracefulPingBound = defaultGracefulPingBound
	}
	if cfg.Keepalive.Timeout <= 0 {
		cfg.Keepalive.Timeout = defaultKeepaliveTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Conn{
		nc:             nc,
		cfg:            cfg,
		isServer:       server,
		start:          time.Now(),
		log:            logger,
		wdone:          make(chan struct{}),
		done:           make(chan struct{}),
		settled:        make(chan struct{}),
		closing:        make(chan struct{}),
		streams:        make(map[uint32]*Stream),
		peerMaxStreams: initialPeerMaxStreams,
		recvWindow:     int64(cfg.ConnWindowSize),
	}
	c.q.init()
	c.br = newConnReader(nc, cfg.ReadBufferSize)
	c.coalesceMax = min(smallData, cfg.ReadBufferSize)
	c.fr = http2.NewFramer(nil, c.br)
	c.fr.SetMaxReadFrameSize(cfg.MaxFrameSize)
	c.hdec = hpack.NewDecoder(rfcHeaderTableSize, c.hdrDec.emit)
	c.w.init(c)
	c.lastRead.Store(time.Now().UnixNano())
	c.initFloods()
	if server && cfg.MaxConcurrentStreams > 0 {
		c.slots = make(chan struct{}, cfg.MaxConcurrentStreams)
	}
	return c
}

// IsServer reports whether this is the server side of the connection.
func (c *Conn) IsServer() bool { return c.isServer }

// LocalAddr is the underlying connection's local address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr is the underlying connection's remote address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// NetConn is the underlying connection (for TLS state and the like).
func (c *Conn) NetConn() net.Conn { return c.nc }

// Settled is closed once the peer's first SETTINGS frame has arrived: the
// peer speaks HTTP/2.
func (c *Conn) Settled() <-chan struct{} { return c.settled }

// Done is closed once the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended, once Done is closed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// NumStreams is how many streams are open.
func (c *Conn) NumStreams() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams)
}

// Run runs the connection: it starts the writer goroutine, writes the
// preface and SETTINGS, and reads frames on the calling goroutine until the
// connection ends. It returns why it ended, after the writer has exited.
func (c *Conn) Run() error {
	if c.isServer {
		if err := c.readPreface(); err != nil {
			c.shutdown(err)
			close(c.wdone)
			close(c.done)
			return err
		}
	}
	go c.w.loop()
	c.startKeepalive()
	err := c.readLoop()
	c.shutdown(err)
	<-c.wdone
	close(c.done)
	return err
}

// Close ends the connection at once: every stream fails, nothing more is
// written. Close does not wait for Run to return.
func (c *Conn) Close() error {
	c.shutdown(errClosedLocally)
	return nil
}

// shutdown ends the connection with err: streams fail, the writer stops, the
// socket closes. Only the first call has an effect.
func (c *Conn) shutdown(err error) {
	if err == nil {
		err = errClosedLocally
	}
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return
	}
	c.closed.Store(true)
	close(c.closing)
	if c.writeErr != nil {
		err = c.writeErr // the first failure, not the reader's end that followed
	}
	c.err = err
	streams := make([]*Stream, 0, len(c.streams))
	for _, s := range c.streams {
		streams = append(streams, s)
	}
	clear(c.streams)
	c.nopen.Store(0)
	for _, ch := range c.pingWaiters {
		close(ch)
	}
	c.pingWaiters = nil
	c.mu.Unlock()

	c.stopKeepalive()
	serr := &ConnError{Err: err}
	for _, s := range streams {
		s.abort(serr)
	}
	c.q.close()
	c.nc.Close()
}
