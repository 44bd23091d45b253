package transport

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"grpcwire/internal/testkit/h2test"
)

// breakableConn is a client's connection whose writes can be made to fail,
// as a socket's do once its peer is gone, while its reads go on.
type breakableConn struct {
	net.Conn
	mu     sync.Mutex
	broken bool
	failed chan struct{} // closed by the first failed write
	once   sync.Once
}

func newBreakableConn(nc net.Conn) *breakableConn {
	return &breakableConn{Conn: nc, failed: make(chan struct{})}
}

func (c *breakableConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	broken := c.broken
	c.mu.Unlock()
	if broken {
		c.once.Do(func() { close(c.failed) })
		return 0, errors.New("broken pipe")
	}
	return c.Conn.Write(b)
}

// breakWrites makes every later write fail.
func (c *breakableConn) breakWrites() {
	c.mu.Lock()
	c.broken = true
	c.mu.Unlock()
}

// TestResponsesReadAfterWriteFails: the client's writes fail, as they do
// once a server has gone away, while the server's last answer is still on
// its way or waiting in the client's socket buffer. The answered call
// completes, as with grpc-go's client, instead of failing with the
// connection; no new stream opens on the connection meanwhile (one that
// tries is refused as never sent, so that it can go elsewhere); the
// connection ends, with the write's error, when the reader reaches the end
// of what the server sent, and the calls the server never answered fail.
func TestResponsesReadAfterWriteFails(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	cnc, snc := h2test.Pipe(t)
	bc := newBreakableConn(cnc)
	c := NewClientConn(bc, Config{})
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run() }()
	ended := false
	defer func() {
		if !ended {
			c.Close()
			<-runErr
		}
	}()
	p := h2test.NewServer(t, snc)
	p.Handshake()
	answered, err := c.OpenStream(requestFields("/answered"), nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	p.ExpectHeaders(1, true)
	unanswered, err := c.OpenStream(requestFields("/unanswered"), nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	p.ExpectHeaders(3, true)

	// The client's next write, a third stream's HEADERS, fails.
	bc.breakWrites()
	lastWritten, err := c.OpenStream(requestFields("/last"), nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-bc.failed:
	case <-time.After(h2test.DefaultTimeout):
		t.Fatal("the client never wrote the third stream's HEADERS")
	}
	// The write failed under the write lock; once it is free, the failure
	// has been handled.
	c.wmu.Lock()
	c.wmu.Unlock()
	if c.CanOpen() {
		t.Error("CanOpen is true on a connection whose writes fail")
	}
	if _, err := c.OpenStream(requestFields("/refused"), nil, nil, true); !IsUnprocessed(err) {
		t.Errorf("OpenStream after the write failure: %v, want an error matching ErrUnprocessed", err)
	}

	// The server's answer to the first call arrives after the failure.
	p.WriteGRPCResponseHeaders(1)
	p.WriteData(1, false, []byte("answer"))
	p.WriteGRPCTrailers(1, 0, "")
	<-answered.HeaderDone()
	body, err := io.ReadAll(answered)
	if err != nil || string(body) != "answer" {
		t.Errorf("the answered call read %q, %v; want %q and the end of the stream", body, err, "answer")
	}
	if got := headerValue(answered.Trailer(), "grpc-status"); got != "0" {
		t.Errorf("the answered call's grpc-status %q, want 0", got)
	}
	select {
	case <-c.Done():
		t.Fatal("the connection ended before the server closed it")
	default:
	}

	p.Close()
	rerr := <-runErr
	ended = true
	if rerr == nil || !strings.Contains(c.Err().Error(), "write failed") {
		t.Errorf("Run returned %v, Err %v; want the write's failure", rerr, c.Err())
	}
	for _, s := range []*Stream{unanswered, lastWritten} {
		<-s.HeaderDone()
		if err := s.Err(); err == nil || IsUnprocessed(err) {
			t.Errorf("stream %d (its HEADERS written) ended with %v, want the connection's failure, not unprocessed", s.ID(), err)
		}
	}
}

// TestWriteFailureDrainIsBounded: after a client's write fails, a server
// that neither answers nor closes holds the connection for
// writeFailedDrain, not longer: the reader's deadline ends it, and its
// calls fail with the write's error.
func TestWriteFailureDrainIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cnc, snc := h2test.SyncPipe(t)
		bc := newBreakableConn(cnc)
		c := NewClientConn(bc, Config{})
		runErr := make(chan error, 1)
		go func() { runErr <- c.Run() }()
		p := h2test.NewServer(t, snc)
		p.SetTimeout(24 * time.Hour)
		p.Handshake()
		s, err := c.OpenStream(requestFields("/pending"), nil, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		p.ExpectHeaders(1, true)
		bc.breakWrites()
		if _, err := c.OpenStream(requestFields("/fails"), nil, nil, true); err != nil {
			t.Fatal(err)
		}
		<-bc.failed
		start := time.Now()
		<-runErr
		if d := time.Since(start); d < writeFailedDrain || d > writeFailedDrain+time.Millisecond {
			t.Errorf("the connection ended %v after the write failed, want %v", d, writeFailedDrain)
		}
		<-s.HeaderDone()
		if err := s.Err(); err == nil || !strings.Contains(err.Error(), "write failed") {
			t.Errorf("the pending stream ended with %v, want the write's failure", err)
		}
	})
}
