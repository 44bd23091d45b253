//go:build linux

package transport

import (
	"bytes"
	"io"
	"testing"
)

// TestLargeDataReadOnce: a stream of 16 KiB DATA frames (the largest a
// peer sends until told otherwise), flow-controlled so that the sender
// stalls every few frames, is read by the kernel straight into the
// stream's buffers: the frame headers come on their own or at the end of
// the previous payload's readv, and almost no payload byte is copied out
// of the connection's read buffer. Without the short reads after a DATA
// payload, half or more of the payloads went through it.
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
	t.Logf("%d of %d payload bytes copied from the read buffer", copied, total)
	if copied > total/100 {
		t.Errorf("%d of %d payload bytes were copied from the read buffer, want at most 1%%", copied, total)
	}
}
