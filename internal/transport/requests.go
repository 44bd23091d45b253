package transport

import (
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The requests other goroutines hand the writer, the one goroutine that
// writes frames (doc.go). Requests travel by value in the queue's slice, so
// that queueing allocates nothing: one struct serves every kind, and each
// field has one meaning, used by the kinds its comment names.

// reqKind is the kind of a request to the writer goroutine.
type reqKind uint8

const (
	// reqOpen (client): give s its stream id and write its request
	// HEADERS (fields, endStream).
	reqOpen reqKind = iota + 1
	// reqHeaders: HEADERS (+CONTINUATION) with fields on s; endStream sets
	// END_STREAM.
	reqHeaders
	// reqData: DATA on s, split by the windows and MAX_FRAME_SIZE;
	// endStream sets END_STREAM on the last frame.
	reqData
	// reqReset: RST_STREAM(code) on s, which this side resets.
	reqReset
	// reqResetID: RST_STREAM(code) on streamID, a stream not in the table
	// (refused before it was opened, or closed already).
	reqResetID
	// reqPeerReset: the peer reset s, or its GOAWAY refused it: drop what
	// s has queued and write nothing.
	reqPeerReset
	// reqWindowUpdate: WINDOW_UPDATE(incr) on s, or on the connection when
	// s is nil.
	reqWindowUpdate
	// reqPeerWindow: the peer's WINDOW_UPDATE granted incr bytes on s, or
	// on the connection when s is nil.
	reqPeerWindow
	// reqPeerSettings: apply the peer's settings and write the SETTINGS
	// ACK.
	reqPeerSettings
	// reqPing: PING with ping; pingAck sets ACK (the answer to the peer's).
	reqPing
	// reqGoAway: GOAWAY(code and goAway's last stream id and debug data),
	// flushed at once.
	reqGoAway
	// reqKick: look again at the client streams waiting for a free slot.
	reqKick
	// reqClose: flush, then close the connection (it has drained).
	reqClose
)

// writeReq is one request to the writer. It is kept small (it is copied
// into the queue, and a parked client stream keeps its opening fields): the
// rare GOAWAY carries its details behind a pointer.
type writeReq struct {
	kind reqKind
	// ctl: an answer to the peer (a PING or SETTINGS ACK, a RST_STREAM),
	// counted in Conn.pendingControl until written.
	ctl       bool
	endStream bool          // reqOpen, reqHeaders, reqData
	pingAck   bool          // reqPing
	code      http2.ErrCode // reqReset, reqResetID, reqGoAway
	streamID  uint32        // reqResetID
	incr      uint32        // reqWindowUpdate, reqPeerWindow
	ping      [8]byte       // reqPing

	s        *Stream             // the stream of a stream request
	fields   []hpack.HeaderField // reqOpen, reqHeaders
	data     []byte              // reqData
	buf      *[]byte             // reqData: the pooled backing of data, released once written or dropped
	settings []http2.Setting     // reqPeerSettings
	goAway   *goAwayReq          // reqGoAway
}

// goAwayReq is what a reqGoAway writes, and what happens after.
type goAwayReq struct {
	lastStreamID uint32
	debug        []byte
	closeAfter   bool          // close the connection once it is written
	done         chan struct{} // if not nil, closed once it is written (or never will be)
}

// goAwayRequest is the request to write GOAWAY(last, code, debug).
func goAwayRequest(last uint32, code http2.ErrCode, debug string) writeReq {
	return writeReq{kind: reqGoAway, code: code, goAway: &goAwayReq{lastStreamID: last, debug: []byte(debug)}}
}
