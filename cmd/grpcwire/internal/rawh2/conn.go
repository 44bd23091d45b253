package rawh2

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/observe"
)

// The connection's defaults. The receive windows are large so that a check
// of anything but flow control never waits on its own window; the bounds on
// what is kept of a server's answer keep a misbehaving server from growing
// the command's memory without limit.
const (
	// DefaultStreamWindow is the SETTINGS_INITIAL_WINDOW_SIZE a Conn
	// advertises unless Config.Settings says otherwise: 1 MiB, grpcwire's
	// and grpc-go's default.
	DefaultStreamWindow = 1 << 20
	// DefaultConnWindow is the connection receive window a Conn opens at
	// once with a WINDOW_UPDATE on stream 0: 16 MiB, room for a 4 MiB
	// message on each of a few streams.
	DefaultConnWindow = 16 << 20
	// initialWindow is HTTP/2's window before any SETTINGS (RFC 9113 §6.9.2).
	initialWindow = 65535
	// initialMaxFrame is SETTINGS_MAX_FRAME_SIZE before any SETTINGS
	// (RFC 9113 §6.5.2).
	initialMaxFrame = 16384
	// maxReadFrame is the largest frame a Conn reads: it advertises no
	// larger SETTINGS_MAX_FRAME_SIZE, so a larger frame is the server's
	// FRAME_SIZE_ERROR.
	maxReadFrame = initialMaxFrame
	// MaxHeaderBlock bounds one received header block (HEADERS and its
	// CONTINUATION frames), encoded and decoded.
	MaxHeaderBlock = 1 << 20
	// MaxStreamData bounds the DATA kept for one stream: a check asks for
	// at most a few MiB.
	MaxStreamData = 64 << 20
	// maxBacklog bounds the frames kept for streams nobody is reading.
	maxBacklog = 4096
)

// Config says how a Conn connects and what it advertises.
type Config struct {
	// TLS, when not nil, makes the connection TLS; NextProtos defaults to
	// h2, and the server must choose h2 (RFC 9113 §3.2).
	TLS *tls.Config
	// Settings go in the Conn's first SETTINGS frame. Nil means
	// DefaultSettings.
	Settings []http2.Setting
	// ConnWindow is the connection receive window opened at the start;
	// zero means DefaultConnWindow, and below 65,535 means 65,535.
	ConnWindow uint32
	// ManualWindow turns off the WINDOW_UPDATEs a Conn sends for the DATA
	// it reads: a flow-control check grants window itself.
	ManualWindow bool
	// Observer, when not nil, is told of every frame written and read
	// (the command's -v trace).
	Observer func(local, remote string, start time.Time) observe.Observer
}

// DefaultSettings are the SETTINGS a Conn sends unless told otherwise: no
// server push (gRPC never uses it) and a 1 MiB stream window.
func DefaultSettings() []http2.Setting {
	return []http2.Setting{
		{ID: http2.SettingEnablePush, Val: 0},
		{ID: http2.SettingInitialWindowSize, Val: DefaultStreamWindow},
	}
}

// Conn is one HTTP/2 connection to the server under check, driven by one
// goroutine.
type Conn struct {
	nc       net.Conn
	fr       *http2.Framer
	enc      *hpack.Encoder
	encBuf   bytes.Buffer
	dec      *hpack.Decoder
	obs      observe.Observer
	manualWU bool
	deadline time.Time

	// Local and Remote are the connection's addresses; Start is when it was
	// made.
	Local, Remote string
	Start         time.Time

	nextID uint32

	// What the server advertised.
	peerMaxFrame      uint32
	peerInitialWindow int64

	// Send windows: the connection's and each stream's.
	sendConn   int64
	sendStream map[uint32]int64

	// Stream state as far as the windows care: ended by the server
	// (END_STREAM or RST_STREAM), or by this side.
	remoteEnded map[uint32]bool
	localEnded  map[uint32]bool

	// backlog keeps, per stream, frames read while waiting for something
	// else; Next returns them first, oldest first.
	backlog  map[uint32][]*Frame
	queued   []*Frame
	nbacklog int

	// GoAway is the last GOAWAY the server sent, nil until one came.
	GoAway *Frame
	// readErr is sticky: once a read failed the connection is out of step.
	readErr error
}

// Dial connects to addr, writes the client connection preface and the
// first SETTINGS, and waits for the server's SETTINGS, which RFC 9113 §3.4
// says must be the first frame it sends. The context bounds the dial and is
// the deadline of every later read and write until SetDeadline changes it.
func Dial(ctx context.Context, addr string, cfg Config) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg.TLS != nil {
		tc := cfg.TLS.Clone()
		if len(tc.NextProtos) == 0 {
			tc.NextProtos = []string{"h2"}
		}
		if tc.ServerName == "" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				tc.ServerName = host
			}
		}
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		if p := tlsConn.ConnectionState().NegotiatedProtocol; p != "h2" {
			nc.Close()
			return nil, fmt.Errorf("the server chose ALPN protocol %q, not h2 (RFC 9113 §3.2)", p)
		}
		nc = tlsConn
	}
	c := newConn(nc, cfg)
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if err := c.handshake(cfg); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// newConn wraps nc; the handshake is the caller's.
func newConn(nc net.Conn, cfg Config) *Conn {
	c := &Conn{
		nc:                nc,
		Local:             nc.LocalAddr().String(),
		Remote:            nc.RemoteAddr().String(),
		Start:             time.Now(),
		nextID:            1,
		peerMaxFrame:      initialMaxFrame,
		peerInitialWindow: initialWindow,
		sendConn:          initialWindow,
		sendStream:        map[uint32]int64{},
		remoteEnded:       map[uint32]bool{},
		localEnded:        map[uint32]bool{},
		backlog:           map[uint32][]*Frame{},
		manualWU:          cfg.ManualWindow,
	}
	c.fr = http2.NewFramer(nc, nc)
	// A check writes protocol violations on purpose.
	c.fr.AllowIllegalWrites = true
	c.fr.SetMaxReadFrameSize(maxReadFrame)
	c.enc = hpack.NewEncoder(&c.encBuf)
	c.dec = hpack.NewDecoder(4096, nil)
	c.dec.SetMaxStringLength(MaxHeaderBlock)
	if cfg.Observer != nil {
		c.obs = cfg.Observer(c.Local, c.Remote, c.Start)
	}
	return c
}

// handshake writes the preface, SETTINGS and the connection window, then
// reads the server's first frame, which must be SETTINGS.
func (c *Conn) handshake(cfg Config) error {
	c.nc.SetWriteDeadline(c.deadline)
	if _, err := io.WriteString(c.nc, http2.ClientPreface); err != nil {
		return fmt.Errorf("writing the connection preface: %w", err)
	}
	settings := cfg.Settings
	if settings == nil {
		settings = DefaultSettings()
	}
	if err := c.WriteSettings(settings...); err != nil {
		return err
	}
	window := cfg.ConnWindow
	if window == 0 {
		window = DefaultConnWindow
	}
	if window > initialWindow {
		if err := c.WriteWindowUpdate(0, window-initialWindow); err != nil {
			return err
		}
	}
	f, err := c.readWire()
	if err != nil {
		return fmt.Errorf("waiting for the server's SETTINGS: %w", err)
	}
	if f.Type != http2.FrameSettings || f.Flags.Has(http2.FlagSettingsAck) {
		return fmt.Errorf("the server's first frame is %s, not SETTINGS (RFC 9113 §3.4: the server connection preface is a SETTINGS frame)", f)
	}
	return nil
}

// SetDeadline sets the deadline of every later read and write.
func (c *Conn) SetDeadline(t time.Time) {
	c.deadline = t
}

// Close closes the connection without a GOAWAY: a check is over, and the
// server must cope with a client that simply goes.
func (c *Conn) Close() error {
	return c.nc.Close()
}

// NewStreamID returns the next client stream id: 1, 3, 5, ...
func (c *Conn) NewStreamID() uint32 {
	id := c.nextID
	c.nextID += 2
	c.sendStream[id] = c.peerInitialWindow
	return id
}

// PeerMaxFrameSize is the largest frame the server accepts.
func (c *Conn) PeerMaxFrameSize() uint32 { return c.peerMaxFrame }

// SendWindow reports the send windows of the connection and of stream id.
func (c *Conn) SendWindow(id uint32) (conn, stream int64) {
	return c.sendConn, c.sendStream[id]
}

// errNoProgress reports that the connection cannot be read any more.
var errNoProgress = errors.New("the connection is out of step after an earlier read failed")
