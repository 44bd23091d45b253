package rawh2

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// scriptedConn is a net.Conn whose reads come from a fixed script of the
// server's bytes and whose writes are discarded.
type scriptedConn struct {
	r *bytes.Reader
}

func (c *scriptedConn) Read(p []byte) (int, error)         { return c.r.Read(p) }
func (c *scriptedConn) Write(p []byte) (int, error)        { return len(p), nil }
func (c *scriptedConn) Close() error                       { return nil }
func (c *scriptedConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *scriptedConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *scriptedConn) SetDeadline(t time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(t time.Time) error { return nil }

// serverBytes builds a server's side of a connection with the Framer.
type serverBytes struct {
	buf bytes.Buffer
	fr  *http2.Framer
	enc *hpack.Encoder
	hb  bytes.Buffer
}

func newServerBytes() *serverBytes {
	s := &serverBytes{}
	s.fr = http2.NewFramer(&s.buf, nil)
	s.fr.AllowIllegalWrites = true
	s.enc = hpack.NewEncoder(&s.hb)
	return s
}

func (s *serverBytes) headers(id uint32, end bool, kv ...string) *serverBytes {
	s.hb.Reset()
	for i := 0; i+1 < len(kv); i += 2 {
		s.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: s.hb.Bytes(), EndStream: end, EndHeaders: true})
	return s
}

// seeds are server byte streams: the usual unary response, Trailers-Only,
// a reset, a GOAWAY, a header block split into CONTINUATION frames, PINGs
// and SETTINGS changing the windows.
func seeds() [][]byte {
	var out [][]byte
	s := newServerBytes()
	s.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 16384})
	s.headers(1, false, ":status", "200", "content-type", "application/grpc")
	s.fr.WriteData(1, false, []byte{0, 0, 0, 0, 2, 8, 1})
	s.headers(1, true, "grpc-status", "0")
	out = append(out, bytes.Clone(s.buf.Bytes()))

	s = newServerBytes()
	s.fr.WriteSettings()
	s.fr.WritePing(false, [8]byte{1})
	s.headers(1, true, ":status", "200", "content-type", "application/grpc", "grpc-status", "12", "grpc-message", "no%20such")
	s.fr.WriteRSTStream(1, http2.ErrCodeNo)
	out = append(out, bytes.Clone(s.buf.Bytes()))

	s = newServerBytes()
	s.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1})
	s.fr.WriteWindowUpdate(0, 100)
	s.fr.WriteRSTStream(1, http2.ErrCodeProtocol)
	s.fr.WriteGoAway(0, http2.ErrCodeEnhanceYourCalm, []byte("calm"))
	out = append(out, bytes.Clone(s.buf.Bytes()))

	s = newServerBytes()
	s.fr.WriteSettings()
	s.hb.Reset()
	s.enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	s.enc.WriteField(hpack.HeaderField{Name: "x-long", Value: string(bytes.Repeat([]byte("v"), 100))})
	block := bytes.Clone(s.hb.Bytes())
	s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:10]})
	s.fr.WriteContinuation(1, false, block[10:50])
	s.fr.WriteContinuation(1, true, block[50:])
	s.fr.WriteData(3, true, []byte("other stream"))
	s.fr.WriteData(1, true, nil)
	out = append(out, bytes.Clone(s.buf.Bytes()))
	return out
}

// FuzzReadResponse feeds a Conn arbitrary bytes from the server after the
// handshake: reading a response, a PING's answer and every frame that
// remains must end with an error or a frame, never a panic or a hang, and
// never keep more than the bounds allow.
func FuzzReadResponse(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newConn(&scriptedConn{r: bytes.NewReader(data)}, Config{})
		if err := c.handshake(Config{}); err != nil {
			return
		}
		id := c.NewStreamID()
		c.WriteHeaders(id, []hpack.HeaderField{{Name: ":method", Value: "POST"}}, false)
		c.WriteData(id, make([]byte, 100), true)
		r := c.ReadResponse(id)
		if len(r.Data) > MaxStreamData {
			t.Fatalf("kept %d bytes of DATA", len(r.Data))
		}
		for _, f := range r.Frames {
			if f.StreamID != id {
				t.Fatalf("frame of stream %d in the response of stream %d", f.StreamID, id)
			}
		}
		_ = r.Outcome()
		_, _ = c.Ping([8]byte{9})
		for i := 0; i < 1000; i++ {
			f, err := c.Next()
			if err != nil {
				break
			}
			_ = f.String()
		}
		_, _ = io.Copy(io.Discard, c.nc)
	})
}

// TestReadResponseSeeds: the seeds read as the responses they are.
func TestReadResponseSeeds(t *testing.T) {
	s := seeds()
	for i, want := range []string{"END_STREAM", "END_STREAM", "RST_STREAM PROTOCOL_ERROR after 0 frames", "END_STREAM"} {
		c := newConn(&scriptedConn{r: bytes.NewReader(s[i])}, Config{})
		if err := c.handshake(Config{}); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		r := c.ReadResponse(c.NewStreamID())
		if got := r.Outcome(); got != want {
			t.Errorf("seed %d: %s, want %s (%v)", i, got, want, r.Err)
		}
	}
	c := newConn(&scriptedConn{r: bytes.NewReader(s[3])}, Config{})
	c.handshake(Config{})
	r := c.ReadResponse(c.NewStreamID())
	if len(r.Blocks) != 1 || r.Frames[0].Continuations != 2 || len(r.Blocks[0]) != 2 {
		t.Errorf("the CONTINUATION seed read as %+v", r.Frames)
	}
	if p := c.Pending(3); len(p) != 1 || string(p[0].Data) != "other stream" {
		t.Errorf("stream 3's frame was not kept: %v", p)
	}
}
