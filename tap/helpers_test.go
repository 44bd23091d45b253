package tap_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"grpcwire/internal/testkit/golden"
	"grpcwire/observe"
	"grpcwire/tap"
)

// recorder is an observer that writes down every event and note as one
// line of text, copying what the events point to (valid only during the
// call).
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) ObserveFrame(ev *observe.FrameEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, eventText(ev))
}

func (r *recorder) note(_ time.Time, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, "note: "+text)
}

// String returns every line, each ending in a newline.
func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, l := range r.lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// eventText writes an event down: its direction, header, and whatever its
// type carries.
func eventText(ev *observe.FrameEvent) string {
	var b strings.Builder
	dir := "<-"
	if ev.Sent {
		dir = "->"
	}
	h := ev.Header
	fmt.Fprintf(&b, "%s %s stream=%d flags=0x%02x len=%d", dir, h.Type, h.StreamID, uint8(h.Flags), h.Length)
	if len(ev.Fields) > 0 || h.Type == http2.FrameHeaders {
		b.WriteString(" fields=[")
		for i, f := range ev.Fields {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%s=%q", f.Name, f.Value)
		}
		b.WriteString("]")
	}
	if ev.Continuations > 0 {
		fmt.Fprintf(&b, " continuations=%d", ev.Continuations)
	}
	if h.Type == http2.FrameData {
		fmt.Fprintf(&b, " data=%q", ev.Data)
	}
	if ev.ErrCode != 0 {
		fmt.Fprintf(&b, " code=%s", ev.ErrCode)
	}
	if h.Type == http2.FrameGoAway {
		fmt.Fprintf(&b, " last=%d debug=%q", ev.LastStreamID, ev.DebugData)
	}
	if ev.Increment != 0 {
		fmt.Fprintf(&b, " increment=%d", ev.Increment)
	}
	if h.Type == http2.FramePing {
		fmt.Fprintf(&b, " ping=%x", ev.Ping)
	}
	for _, s := range ev.Settings {
		fmt.Fprintf(&b, " %s=%d", s.ID, s.Val)
	}
	if ev.Problem != "" {
		fmt.Fprintf(&b, " problem=%q", ev.Problem)
	}
	return b.String()
}

// follow feeds client and server bytes to a new follower, each direction
// in chunks of at most step bytes (all at once when step is 0), the client's
// first, and returns what it observed.
func follow(client, server []byte, step int) string {
	var rec recorder
	f := tap.NewFollower(&rec, rec.note)
	feed(f.Client(), client, step)
	feed(f.Server(), server, step)
	return rec.String()
}

// feed writes p to w in chunks of at most step bytes.
func feed(w *tap.Direction, p []byte, step int) {
	if step <= 0 {
		step = len(p) + 1
	}
	for len(p) > 0 {
		n := min(step, len(p))
		if k, err := w.Write(p[:n]); k != n || err != nil {
			panic(fmt.Sprintf("Write returned %d, %v for %d bytes", k, err, n))
		}
		p = p[n:]
	}
}

// wire builds the bytes of one direction with x/net's Framer and an HPACK
// encoder of its own, as a peer would.
type peerBytes struct {
	buf  bytes.Buffer
	fr   *http2.Framer
	hbuf bytes.Buffer
	enc  *hpack.Encoder
}

// newWire starts a direction; a client's begins with the preface.
func newWire(client bool) *peerBytes {
	w := &peerBytes{}
	if client {
		w.buf.WriteString(http2.ClientPreface)
	}
	w.fr = http2.NewFramer(&w.buf, nil)
	w.enc = hpack.NewEncoder(&w.hbuf)
	return w
}

// block encodes fields as a header block fragment.
func (w *peerBytes) block(kv ...string) []byte {
	w.hbuf.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := w.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}); err != nil {
			panic(err)
		}
	}
	return bytes.Clone(w.hbuf.Bytes())
}

// headers writes a HEADERS frame with the fields.
func (w *peerBytes) headers(id uint32, endStream bool, kv ...string) *peerBytes {
	must(w.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: w.block(kv...), EndHeaders: true, EndStream: endStream}))
	return w
}

// raw writes a frame header and payload as they are, valid or not.
func (w *peerBytes) raw(t http2.FrameType, flags http2.Flags, id uint32, payload []byte) *peerBytes {
	must(w.fr.WriteRawFrame(t, flags, id, payload))
	return w
}

func (w *peerBytes) bytes() []byte { return w.buf.Bytes() }

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// checkSame fails t unless got is want.
func checkSame(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n%s\n%s", what, got, golden.FirstDiff(got, want))
	}
}
