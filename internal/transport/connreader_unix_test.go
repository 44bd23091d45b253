//go:build unix

package transport

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"grpcwire/internal/bufpool"
)

// TestPollReaderPieces reads a byte stream that a peer writes in pieces of
// random sizes, with pauses, through every method of the socket reader,
// interleaved, and checks that every byte arrives once and in order: Peek
// across a partial buffer (fillMore), ReadFull larger and smaller than the
// buffer (readv, with what follows landing in the buffer), ReadPayload
// (bulk: with the next payloads read ahead, handed over or read out as
// plain bytes), ReadByte, Read and Discard.
func TestPollReaderPieces(t *testing.T) {
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte(i*31 + i>>9)
	}
	nc, written := feedLoopback(t, func(c *net.TCPConn) error {
		rng := rand.New(rand.NewPCG(1, 2))
		for off := 0; off < len(want); {
			n := min(len(want)-off, 1+rng.IntN(100000))
			if _, err := c.Write(want[off : off+n]); err != nil {
				return err
			}
			off += n
			if rng.IntN(8) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		return nil
	})
	r := newSocketReader(nc, 4096)
	if r == nil {
		t.Fatal("no socket reader for a TCP connection")
	}
	var got []byte
	rng := rand.New(rand.NewPCG(3, 4))
	for len(got) < len(want) {
		got = pollReaderOp(t, r, rng.IntN(7), rng.Uint32(), rng.IntN(2) == 0, got, want)
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	// The peer has closed: a ReadFull past the end is io.EOF, and one that
	// ends early io.ErrUnexpectedEOF.
	if err := r.ReadFull(make([]byte, 10), false); err != io.EOF {
		t.Fatalf("ReadFull at the end: %v, want io.EOF", err)
	}
}

// TestPollReaderUnexpectedEOF: a ReadFull that gets part of what it asked
// for before the peer closes reports io.ErrUnexpectedEOF, as io.ReadFull.
func TestPollReaderUnexpectedEOF(t *testing.T) {
	nc, _ := feedLoopback(t, func(c *net.TCPConn) error {
		_, err := c.Write(make([]byte, 10000))
		return err
	})
	r := newSocketReader(nc, 4096)
	if _, err := r.Peek(100); err != nil {
		t.Fatal(err)
	}
	if err := r.ReadFull(make([]byte, 20000), true); err != io.ErrUnexpectedEOF {
		t.Fatalf("ReadFull past the end: %v, want io.ErrUnexpectedEOF", err)
	}
}

// feedLoopback returns the accepted end of a loopback TCP connection whose
// other end feed writes to, on a goroutine of its own, and then closes;
// what feed returns (or the dial's error) arrives on the channel. The
// test's end closes at cleanup, after which the goroutine is waited for.
func feedLoopback(t *testing.T, feed func(c *net.TCPConn) error) (*net.TCPConn, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	written := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			written <- err
			return
		}
		defer c.Close()
		written <- feed(c.(*net.TCPConn))
	}()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nc.Close()
		<-done
	})
	return nc.(*net.TCPConn), written
}

// pollReaderOp runs one of the socket reader's methods (op, 0 to 6) on r,
// of a size taken from size, appends what it read to got and checks that
// got is still a prefix of want. flip picks the variants (bulk or not,
// split or not, a frame's size or any).
func pollReaderOp(t testing.TB, r connReader, op int, size uint32, flip bool, got, want []byte) []byte {
	t.Helper()
	left := len(want) - len(got)
	rnd := func(n int) int { return 1 + int(size%uint32(n)) }
	switch op {
	case 0:
		n := min(left, rnd(4096))
		b, err := r.Peek(n)
		if err != nil {
			t.Fatalf("Peek(%d) after %d bytes: %v", n, len(got), err)
		}
		got = append(got, b...)
		if k, err := r.Discard(n); k != n || err != nil {
			t.Fatalf("Discard(%d) = %d, %v", n, k, err)
		}
	case 1:
		b := make([]byte, min(left, rnd(70000)))
		if err := r.ReadFull(b, flip); err != nil {
			t.Fatalf("ReadFull(%d) after %d bytes: %v", len(b), len(got), err)
		}
		got = append(got, b...)
	case 2:
		c, err := r.ReadByte()
		if err != nil {
			t.Fatalf("ReadByte after %d bytes: %v", len(got), err)
		}
		got = append(got, c)
	case 3:
		b := make([]byte, min(left, rnd(10000)))
		n, err := r.Read(b)
		if err != nil {
			t.Fatalf("Read after %d bytes: %v", len(got), err)
		}
		got = append(got, b[:n]...)
	case 4:
		n := min(left, rnd(5000))
		k, err := r.Discard(n)
		if k != n || err != nil {
			t.Fatalf("Discard(%d) = %d, %v", n, k, err)
		}
		got = append(got, want[len(got):len(got)+n]...)
	default:
		// Payloads in a row, as a bulk transfer reads them: a buffer read
		// ahead is handed over when the next one is as long as the last,
		// in two pieces when it was shifted, and read out as plain bytes
		// when neither.
		n := min(left, rnd(20000))
		if size&(1<<20) != 0 {
			n = min(left, 16384)
		}
		bp, data, bp2, data2, err := r.ReadPayload(n, size&(1<<21) != 0 || flip, size&(1<<22) != 0)
		if err != nil {
			t.Fatalf("ReadPayload(%d) after %d bytes: %v", n, len(got), err)
		}
		if len(data)+len(data2) != n || (bp2 == nil) != (data2 == nil) {
			t.Fatalf("ReadPayload(%d) returned %d and %d bytes", n, len(data), len(data2))
		}
		got = append(append(got, data...), data2...)
		// The buffers are the caller's: the reader must not read them again.
		clear(data)
		clear(data2)
		bufpool.Put(bp)
		bufpool.Put(bp2)
	}
	if !bytes.Equal(got, want[:len(got)]) {
		t.Fatalf("bytes differ within the first %d", len(got))
	}
	return got
}

// FuzzPollReader runs the socket reader's methods in the order and sizes
// the input gives (three bytes an operation) over a byte stream that a
// peer writes in pieces into a Unix socket pair, checking every byte as
// TestPollReaderPieces does: whatever the order, the read-ahead parts,
// the pieces and the buffers handed over add up to the stream.
func FuzzPollReader(f *testing.F) {
	f.Add([]byte{5, 0, 0, 6, 1, 0, 0, 3, 0})
	f.Add([]byte{1, 7, 200, 5, 16, 1, 5, 16, 1, 5, 16, 1, 0, 12, 0, 6, 0, 2, 2, 0, 0, 5, 64, 64})
	f.Add([]byte{6, 255, 255, 6, 0, 1, 4, 100, 0, 6, 99, 99, 3, 5, 5})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 3*256 {
			ops = ops[:3*256]
		}
		want := make([]byte, 256<<10)
		for i := range want {
			want[i] = byte(i*31 + i>>9)
		}
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		conn := func(fd int) net.Conn {
			f := os.NewFile(uintptr(fd), "socketpair")
			defer f.Close()
			c, err := net.FileConn(f)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		wc, rc := conn(fds[0]), conn(fds[1])
		defer rc.Close()
		written := make(chan error, 1)
		go func() {
			defer wc.Close()
			for off, i := 0, 0; off < len(want); i++ {
				n := min(len(want)-off, 1000+(i*7919)%40000)
				if _, err := wc.Write(want[off : off+n]); err != nil {
					written <- err
					return
				}
				off += n
			}
			written <- nil
		}()
		r := newSocketReader(rc, 4096)
		var got []byte
		for i := 0; i+2 < len(ops) && len(got) < len(want); i += 3 {
			size := uint32(ops[i+1])<<8 | uint32(ops[i+2]) | uint32(ops[i+1]&7)<<20
			got = pollReaderOp(t, r, int(ops[i])%7, size, ops[i]&8 != 0, got, want)
		}
		for len(got) < len(want) { // the rest, so that the writer ends
			got = pollReaderOp(t, r, 1, 65535, false, got, want)
		}
		if err := <-written; err != nil {
			t.Fatal(err)
		}
	})
}
