package tap

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/observe"
)

// clientPreface is what a client's side of a connection begins with, RFC
// 9113 section 3.4: "the connection preface starts with the string
// PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", followed by a SETTINGS frame.
const clientPreface = http2.ClientPreface

// frameHeaderLen is the size of every frame's header: "All frames begin
// with a fixed 9-octet header followed by a variable-length frame
// payload" (section 4.1).
const frameHeaderLen = 9

// A Follower follows both directions of one HTTP/2 connection from copies
// of their bytes: write what the client sends to Client() and what the
// server sends to Server(), in the order each was sent. It tells its
// observer of every frame, with Sent true for the client's frames and false
// for the server's, so that a trace shows "->" for the client's frames and
// "<-" for the server's, as a trace taken at the client would.
//
// The two directions may be written from two goroutines at once (each
// direction by one at a time); the observer is then called from both.
type Follower struct {
	obs  observe.Observer
	note func(at time.Time, text string)
	now  func() time.Time

	client, server Direction

	// mu guards what each direction announced that governs the other.
	mu sync.Mutex
	// tableSize[i] is the largest SETTINGS_HEADER_TABLE_SIZE that side i
	// (0 the client, 1 the server) announced: how large the other side's
	// encoder may make its table. Guarded by mu.
	tableSize [2]uint32
	// frameSize[i] is the largest SETTINGS_MAX_FRAME_SIZE side i
	// announced: how large a frame the other side may send it. Guarded by
	// mu.
	frameSize [2]uint32
}

// NewFollower returns a Follower telling obs of every frame. note, when not
// nil, is told in plain words of what is not a frame: the bytes of a
// direction that cannot be parsed, after which that direction is no longer
// decoded.
//
// The follower does not police the peers: where a setting lowers a limit,
// it keeps the highest value either side announced, so that a frame the
// real receiver may still accept (sent before the setting arrived) is
// decoded too.
func NewFollower(obs observe.Observer, note func(at time.Time, text string)) *Follower {
	f := &Follower{obs: obs, note: note, now: time.Now}
	for i := range 2 {
		f.tableSize[i] = initialHeaderTableSize
		f.frameSize[i] = initialMaxFrameSize
	}
	f.client.init(f, 0)
	f.server.init(f, 1)
	return f
}

// Client returns the writer of the client's bytes.
func (f *Follower) Client() *Direction { return &f.client }

// Server returns the writer of the server's bytes.
func (f *Follower) Server() *Direction { return &f.server }

// announceTableSize records side i's SETTINGS_HEADER_TABLE_SIZE.
func (f *Follower) announceTableSize(i int, v uint32) {
	f.mu.Lock()
	f.tableSize[i] = max(f.tableSize[i], v)
	f.mu.Unlock()
}

// announceFrameSize records side i's SETTINGS_MAX_FRAME_SIZE.
func (f *Follower) announceFrameSize(i int, v uint32) {
	f.mu.Lock()
	f.frameSize[i] = max(f.frameSize[i], v)
	f.mu.Unlock()
}

// limits returns, for the frames side i sends, the largest frame and the
// largest dynamic table the other side allows.
func (f *Follower) limits(i int) (frameSize, tableSize uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frameSize[1-i], f.tableSize[1-i]
}

// A Direction is one side's bytes of a followed connection. Write them in
// order; Write never fails and never blocks on anything but the observer,
// so a forwarder can feed it every chunk it forwards.
type Direction struct {
	f    *Follower
	side int // 0 the client, 1 the server

	started bool // past the connection preface (the client's magic; the server's first SETTINGS is checked on its frame header)
	magic   int  // bytes of the client's preface seen so far
	stopped bool // the bytes could not be parsed: the rest is ignored

	hdr       [frameHeaderLen]byte
	nhdr      int
	fh        http2.FrameHeader // the frame whose payload is being read
	inPayload bool
	payload   []byte

	dec          *hpack.Decoder
	tableAllowed uint32 // the limit last given to dec
	hpackErr     string // why this direction's HPACK can no longer be followed
	block        *headerBlock
	spare        []hpack.HeaderField // the last block's fields, for the next
	pending      []byte              // small fragments of the open block, not yet decoded
}

// init sets up side i of f.
func (d *Direction) init(f *Follower, i int) {
	d.f, d.side = f, i
	d.tableAllowed = initialHeaderTableSize
	d.dec = hpack.NewDecoder(initialHeaderTableSize, d.emitField)
	d.dec.SetMaxStringLength(maxHeaderString)
}

// name is the side's name in notes and problems.
func (d *Direction) name() string {
	if d.side == 0 {
		return "client"
	}
	return "server"
}

// peerName is the other side's name.
func (d *Direction) peerName() string {
	if d.side == 0 {
		return "server"
	}
	return "client"
}

// Stopped reports whether the direction's bytes could not be parsed and
// the rest of them are ignored.
func (d *Direction) Stopped() bool { return d.stopped }

// Write parses p, the next bytes of this direction, telling the observer
// of each frame it completes. It always returns len(p), nil.
func (d *Direction) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !d.stopped {
		if !d.started && d.side == 0 {
			p = d.readMagic(p)
			continue
		}
		if !d.inPayload {
			k := copy(d.hdr[d.nhdr:], p)
			d.nhdr += k
			p = p[k:]
			if d.nhdr < frameHeaderLen {
				break
			}
			d.nhdr = 0
			d.fh = parseFrameHeader(&d.hdr)
			if !d.checkFrameHeader() {
				break
			}
			d.inPayload = true
			d.payload = d.payload[:0]
		}
		need := int(d.fh.Length) - len(d.payload)
		if len(d.payload) == 0 && len(p) >= need {
			// The whole payload is here: no copy.
			d.inPayload = false
			d.frame(p[:need])
			p = p[need:]
			continue
		}
		k := min(need, len(p))
		d.payload = append(d.payload, p[:k]...)
		p = p[k:]
		if len(d.payload) == int(d.fh.Length) {
			d.inPayload = false
			d.frame(d.payload)
			if cap(d.payload) > maxKeptPayload {
				d.payload = nil
			}
		}
	}
	return n, nil
}

// readMagic matches the client's connection preface string and returns
// what follows it.
func (d *Direction) readMagic(p []byte) []byte {
	for len(p) > 0 && d.magic < len(clientPreface) {
		if p[0] != clientPreface[d.magic] {
			seen := append([]byte(clientPreface[:d.magic]), p[:min(len(p), len(clientPreface)-d.magic)]...)
			d.stop("the client's first bytes are not the HTTP/2 connection preface (" + describeBytes(seen, true) + ")")
			return nil
		}
		d.magic++
		p = p[1:]
	}
	if d.magic == len(clientPreface) {
		d.started = true
	}
	return p
}

// parseFrameHeader decodes the 9-byte frame header of section 4.1: Length
// (24 bits), Type, Flags, a reserved bit and the Stream Identifier.
func parseFrameHeader(b *[frameHeaderLen]byte) http2.FrameHeader {
	return http2.FrameHeader{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     http2.FrameType(b[3]),
		Flags:    http2.Flags(b[4]),
		StreamID: binary.BigEndian.Uint32(b[5:]) & (1<<31 - 1),
	}
}

// checkFrameHeader checks that the frame header just read can start a
// frame: the server's first frame must be its preface's SETTINGS, and no
// frame may be larger than its receiver allows. It stops the direction and
// reports false when not.
func (d *Direction) checkFrameHeader() bool {
	h := d.fh
	if !d.started {
		// "The server connection preface consists of a potentially empty
		// SETTINGS frame (Section 6.5) that MUST be the first frame the
		// server sends in the HTTP/2 connection."
		if h.Type != http2.FrameSettings || h.StreamID != 0 || h.Flags.Has(http2.FlagSettingsAck) || h.Length%6 != 0 || h.Length > initialMaxFrameSize {
			d.stop("the server's first bytes are not the SETTINGS frame an HTTP/2 server begins with (" + describeBytes(d.hdr[:], false) + ")")
			return false
		}
		d.started = true
	}
	maxFrame, _ := d.f.limits(d.side)
	if h.Length > maxFrame {
		// "An endpoint MUST send an error code of FRAME_SIZE_ERROR if a
		// frame exceeds the size defined in SETTINGS_MAX_FRAME_SIZE".
		d.stop(describeOversized(d, h, maxFrame))
		return false
	}
	return true
}

// stop gives up parsing this direction and says why.
func (d *Direction) stop(why string) {
	d.stopped = true
	d.payload, d.pending = nil, nil
	d.block = nil
	if d.f.note != nil {
		d.f.note(d.f.now(), why+"; the "+d.name()+"'s bytes are no longer decoded, and still forwarded")
	}
}

// observe tells the observer of one frame.
func (d *Direction) observe(ev *observe.FrameEvent) {
	ev.Time = d.f.now()
	ev.Sent = d.side == 0
	d.f.obs.ObserveFrame(ev)
}
