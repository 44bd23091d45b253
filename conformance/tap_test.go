package conformance

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The wire tap sees the bytes of every connection a server accepts, in both
// directions, and reads them back as HTTP/2 frames and gRPC messages. It
// belongs to neither library under test, so what it reports (a message's
// compressed flag, the header fields as sent) is what went over the socket,
// not what either side believes it sent.

// tapListener wraps a server's listener so that each accepted connection is
// recorded.
type tapListener struct {
	net.Listener
	tap *wireTap
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: c}
	l.tap.mu.Lock()
	l.tap.conns = append(l.tap.conns, tc)
	l.tap.mu.Unlock()
	return tc, nil
}

// wireTap holds the recordings of a server's connections.
type wireTap struct {
	mu    sync.Mutex
	conns []*tapConn
}

// tapConn records what a server connection reads (the client's bytes) and
// writes (the server's).
type tapConn struct {
	net.Conn
	fromClient, fromServer recording
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.fromClient.add(p[:n])
	return n, err
}

// Write records p before sending it: once it is sent, the client may act
// on it, and a test may look at the recording, before Write returns.
func (c *tapConn) Write(p []byte) (int, error) {
	c.fromServer.add(p)
	return c.Conn.Write(p)
}

// recording is one direction's bytes; reads and writes of a connection run
// on different goroutines.
type recording struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *recording) add(p []byte) {
	r.mu.Lock()
	r.buf.Write(p)
	r.mu.Unlock()
}

func (r *recording) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.buf.Bytes())
}

// closeConns cuts every recorded connection at the TCP level, without any
// HTTP/2 goodbye, as a crashed server or a broken network would.
func (t *wireTap) closeConns() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.conns {
		c.Conn.Close()
	}
}

// wireMessage is one gRPC Length-Prefixed-Message seen on the wire.
type wireMessage struct {
	stream     uint32
	compressed bool // the Compressed-Flag byte was 1
	length     int  // the Message-Length, as sent (compressed size if compressed)
}

// wireHeaders is the decoded field list of one HEADERS frame (with its
// CONTINUATIONs).
type wireHeaders struct {
	stream uint32
	fields []hpack.HeaderField
}

// wireReset is one RST_STREAM frame.
type wireReset struct {
	stream uint32
	code   http2.ErrCode
}

// wireTraffic is one direction of all recorded connections, decoded.
type wireTraffic struct {
	messages []wireMessage
	headers  []wireHeaders
	resets   []wireReset
	goaways  []*http2.GoAwayFrame
}

// requests decodes what clients sent; responses what the server sent.
func (t *wireTap) requests() wireTraffic  { return t.decode(true) }
func (t *wireTap) responses() wireTraffic { return t.decode(false) }

func (t *wireTap) decode(fromClient bool) wireTraffic {
	t.mu.Lock()
	conns := slices.Clone(t.conns)
	t.mu.Unlock()
	var out wireTraffic
	for _, c := range conns {
		if fromClient {
			decodeDirection(c.fromClient.bytes(), true, &out)
		} else {
			decodeDirection(c.fromServer.bytes(), false, &out)
		}
	}
	return out
}

// tapMaxFrame and tapMaxTable are generous bounds for decoding, so that the
// tap never refuses what a peer accepted.
const (
	tapMaxFrame = 1 << 24
	tapMaxTable = 1 << 20
)

// decodeDirection reads the frames of one direction of one connection and
// appends its header blocks and messages to out. A frame cut short at the
// end of the recording ends the decoding quietly: the connection may have
// been closed mid-frame.
func decodeDirection(b []byte, clientSide bool, out *wireTraffic) {
	if clientSide {
		b = bytes.TrimPrefix(b, []byte(http2.ClientPreface))
	}
	fr := http2.NewFramer(io.Discard, bytes.NewReader(b))
	fr.SetMaxReadFrameSize(tapMaxFrame)
	dec := hpack.NewDecoder(4096, nil)
	dec.SetAllowedMaxDynamicTableSize(tapMaxTable)
	fr.ReadMetaHeaders = dec
	data := map[uint32][]byte{}
	var order []uint32
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			break
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			out.headers = append(out.headers, wireHeaders{stream: f.StreamID, fields: slices.Clone(f.Fields)})
		case *http2.GoAwayFrame:
			out.goaways = append(out.goaways, &http2.GoAwayFrame{
				FrameHeader: f.FrameHeader, LastStreamID: f.LastStreamID, ErrCode: f.ErrCode,
			})
		case *http2.RSTStreamFrame:
			out.resets = append(out.resets, wireReset{stream: f.StreamID, code: f.ErrCode})
		case *http2.DataFrame:
			if _, ok := data[f.StreamID]; !ok {
				order = append(order, f.StreamID)
			}
			data[f.StreamID] = append(data[f.StreamID], f.Data()...)
		}
	}
	for _, id := range order {
		d := data[id]
		// The Length-Prefixed-Message: a one-byte Compressed-Flag, a
		// four-byte big-endian Message-Length, the message.
		for len(d) >= 5 {
			n := int(binary.BigEndian.Uint32(d[1:5]))
			out.messages = append(out.messages, wireMessage{stream: id, compressed: d[0] == 1, length: n})
			if len(d) < 5+n {
				break
			}
			d = d[5+n:]
		}
	}
}
