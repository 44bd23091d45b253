package transport

import (
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// reqKind is the kind of a request to the writer goroutine.
type reqKind uint8

const (
	reqHeaders      reqKind = iota + 1 // HEADERS (+CONTINUATION) on s; end = END_STREAM
	reqOpen                            // client: assign s an id and write its request HEADERS
	reqData                            // DATA on s, split by window and MAX_FRAME_SIZE
	reqRST                             // RST_STREAM(code) on s (or on stream n when s is nil); with ack set, s was reset by the peer: drop its queue, write nothing
	reqWindowUpdate                    // WINDOW_UPDATE(n) on s, or on the connection when s is nil
	reqPeerWindow                      // the peer granted n bytes on s, or on the connection when s is nil
	reqPeerSettings                    // apply the peer's settings and write SETTINGS ACK
	reqPing                            // PING (ack or not) with ping data
	reqGoAway                          // GOAWAY(n, code, debug); done is closed once it is flushed
	reqKick                            // re-check client streams waiting for a free slot
	reqFlush                           // close done once everything queued before is flushed
	reqClose                           // flush, then close the connection (it has drained)
)

// writeReq is one request to the writer. Requests travel by value in the
// queue's slice so that queueing allocates nothing.
type writeReq struct {
	kind     reqKind
	end      bool // END_STREAM
	ack      bool // PING ACK
	ctl      bool // an answer to the peer, counted in Conn.pendingControl
	code     http2.ErrCode
	n        uint32
	s        *Stream
	fields   []hpack.HeaderField
	data     []byte
	buf      *[]byte // pooled backing of data, released once written or dropped
	ping     [8]byte
	debug    []byte
	settings []http2.Setting
	done     chan struct{}
}
