//go:build linux

package transport

import (
	"bytes"
	"io"
	"net"
	"testing"

	"golang.org/x/net/http2"

	"grpcwire/internal/bufpool"
)

// TestLargeDataReadOnce: a stream of 16 KiB DATA frames (the largest a
// peer sends until told otherwise), flow-controlled by RFC 9113's initial
// 64 KiB windows so that the sender stalls every few frames and cuts its
// frames to what the window allows, is read by the kernel straight into
// the stream's buffers: the frame headers come on their own or in the
// previous payload's readv, frames read ahead are handed over in the
// buffers they were read into (in two pieces when a short frame before
// shifted them), and almost no payload byte is copied: 0.2 to 0.5% here.
// Without the short reads after a DATA payload, half or more of the
// payloads went through the read buffer.
func TestLargeDataReadOnce(t *testing.T) {
	const total = 8 << 20
	want := make([]byte, total)
	for i := range want {
		want[i] = byte(i*7 + i>>12)
	}
	got := make(chan []byte, 1)
	srv, cli := pair(t, Config{}, Config{}, func(s *Stream) {
		b, err := io.ReadAll(s)
		if err != nil {
			t.Error(err)
		}
		// Every byte read was credited back or is about to be, and no
		// more: a payload handed over in two pieces counts once.
		s.mu.Lock()
		if w := s.recvWindow + s.unacked; w != rfcInitialWindowSize {
			t.Errorf("the stream's window and uncredited bytes add up to %d after everything was read, want %d", w, rfcInitialWindowSize)
		}
		s.mu.Unlock()
		got <- b
		s.WriteTrailersOnly(respHeaders)
	})
	<-cli.Settled()
	s, err := cli.OpenStream(requestFields("/upload"), nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	const msg = 256 << 10
	for off := 0; off < total; off += msg {
		if err := s.WriteData(want[off:off+msg], nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("the server read %d bytes, not the %d sent", len(b), total)
	}
	s.Release()
	pr, ok := srv.br.(*pollReader)
	if !ok {
		t.Fatalf("the server reads a TCP socket through %T, not the pollReader", srv.br)
	}
	// The first payload may share the read that brought the HEADERS.
	copied := pr.copied.Load()
	t.Logf("%d of %d payload bytes copied, %d handed over in the buffer they were read into; %d reads", copied, total, pr.handed.Load(), pr.reads.Load())
	if copied > total/100 {
		t.Errorf("%d of %d payload bytes were copied from the read buffer, want at most 1%%", copied, total)
	}
}

// TestReadAheadFrames: a run of 16 KiB DATA frames already in the
// kernel's buffer is read four frames per readv, the payload that the
// caller asks for (straight into its buffer) and the three frames after
// it (specFrames), and each payload read ahead is handed over in the
// buffer it was read into: one read a frame would be 32 here. The second
// payload shares the first one's read, into the read buffer (the first is
// not yet known to be bulk), and is handed over in it; what that read
// brought of the third frame is the one copy.
func TestReadAheadFrames(t *testing.T) {
	const frames, size = 32, 16384
	var stream []byte
	for i := range frames {
		var h [frameHeaderLen]byte
		putFrameHeader(h[:], http2.FrameData, 0, 1, size)
		stream = append(stream, h[:]...)
		for j := range size {
			stream = append(stream, byte(i*size+j*13))
		}
	}
	nc, written := feedLoopback(t, func(c *net.TCPConn) error {
		c.SetWriteBuffer(4 << 20)
		_, err := c.Write(stream)
		return err
	})
	nc.SetReadBuffer(4 << 20)
	if err := <-written; err != nil { // all of it in the kernel's buffers
		t.Fatal(err)
	}
	r := newSocketReader(nc, defaultReadBufferSize).(*pollReader)
	for i := range frames {
		var h [frameHeaderLen]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			t.Fatalf("frame %d's header: %v", i, err)
		}
		if !bytes.Equal(h[:], stream[i*(frameHeaderLen+size):][:frameHeaderLen]) {
			t.Fatalf("frame %d's header is %x", i, h)
		}
		bp, data, bp2, data2, err := r.ReadPayload(size, i > 0, true)
		if err != nil {
			t.Fatalf("frame %d's payload: %v", i, err)
		}
		want := stream[i*(frameHeaderLen+size)+frameHeaderLen:][:size]
		if !bytes.Equal(append(data[:len(data):len(data)], data2...), want) {
			t.Fatalf("frame %d's payload differs", i)
		}
		bufpool.Put(bp)
		bufpool.Put(bp2)
	}
	reads, handed, copied := r.reads.Load(), r.handed.Load(), r.copied.Load()
	t.Logf("%d frames of %d bytes: %d reads, %d payload bytes handed over, %d copied", frames, size, reads, handed, copied)
	if reads > frames/4+3 {
		t.Errorf("%d reads for %d frames, want at most %d", reads, frames, frames/4+3)
	}
	if copied > size {
		t.Errorf("%d payload bytes copied, want at most one frame's", copied)
	}
	// The payload of each readv's caller is read straight into its new
	// buffer; the three after it are handed over.
	if want := (3*frames/4 - 2) * size; handed < int64(want) {
		t.Errorf("%d payload bytes handed over, want at least %d", handed, want)
	}
}
