package transport

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"grpcwire/internal/testkit/h2test"
)

// failingConn is a connection whose writes all fail, as a socket whose peer
// is gone does.
type failingConn struct{ net.Conn }

func (failingConn) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// waitFailed waits for s to fail and returns its error.
func waitFailed(t *testing.T, s *Stream) error {
	t.Helper()
	select {
	case <-s.HeaderDone():
	case <-time.After(h2test.DefaultTimeout):
		t.Fatal("the stream never failed: its caller would wait until its deadline")
	}
	return s.Err()
}

// TestStreamsNotOpenedWhenConnectionEnds: a client stream whose opening was
// still queued, or parked waiting for the server's SETTINGS, when the
// connection ended never reached the server. It must fail, as unprocessed
// (so that the call can be sent again elsewhere), rather than wait forever.
func TestStreamsNotOpenedWhenConnectionEnds(t *testing.T) {
	t.Run("queued when the writer failed", func(t *testing.T) {
		h2test.VerifyNoLeaks(t)
		a, b := net.Pipe()
		defer b.Close()
		c := NewClientConn(failingConn{a}, Config{})
		s, err := c.OpenStream(requestFields("/queued"), []byte("x"), nil, true)
		if err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, b)
		c.Run()
		if err := waitFailed(t, s); !IsUnprocessed(err) {
			t.Errorf("stream error %v, want one matching ErrUnprocessed", err)
		}
	})
	t.Run("waiting for the server's SETTINGS", func(t *testing.T) {
		h2test.VerifyNoLeaks(t)
		cnc, snc := h2test.Pipe(t)
		c := NewClientConn(cnc, Config{})
		done := make(chan error, 1)
		go func() { done <- c.Run() }()
		s, err := c.OpenStream(requestFields("/parked"), nil, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		// The "server" reads the preface and hangs up without SETTINGS.
		buf := make([]byte, len(http2.ClientPreface))
		io.ReadFull(snc, buf)
		snc.Close()
		if err := waitFailed(t, s); !IsUnprocessed(err) {
			t.Errorf("stream error %v, want one matching ErrUnprocessed", err)
		}
		<-done
	})
}
