//go:build unix

package transport

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// TestPollReaderPieces reads a byte stream that a peer writes in pieces of
// random sizes, with pauses, through every method of the socket reader,
// interleaved, and checks that every byte arrives once and in order: Peek
// across a partial buffer (fillMore), ReadFull larger and smaller than the
// buffer (readv, with what follows landing in the buffer), ReadByte, Read
// and Discard.
func TestPollReaderPieces(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte(i*31 + i>>9)
	}
	written := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			written <- err
			return
		}
		defer c.Close()
		rng := rand.New(rand.NewPCG(1, 2))
		for off := 0; off < len(want); {
			n := min(len(want)-off, 1+rng.IntN(100000))
			if _, err := c.Write(want[off : off+n]); err != nil {
				written <- err
				return
			}
			off += n
			if rng.IntN(8) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		written <- nil
	}()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	r := newSocketReader(nc, 4096)
	if r == nil {
		t.Fatal("no socket reader for a TCP connection")
	}
	var got []byte
	rng := rand.New(rand.NewPCG(3, 4))
	for len(got) < len(want) {
		left := len(want) - len(got)
		switch rng.IntN(5) {
		case 0:
			n := min(left, 1+rng.IntN(4096))
			b, err := r.Peek(n)
			if err != nil {
				t.Fatalf("Peek(%d) after %d bytes: %v", n, len(got), err)
			}
			got = append(got, b...)
			if k, err := r.Discard(n); k != n || err != nil {
				t.Fatalf("Discard(%d) = %d, %v", n, k, err)
			}
		case 1:
			b := make([]byte, min(left, 1+rng.IntN(70000)))
			if err := r.ReadFull(b, rng.IntN(2) == 0); err != nil {
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
			b := make([]byte, min(left, 1+rng.IntN(10000)))
			n, err := r.Read(b)
			if err != nil {
				t.Fatalf("Read after %d bytes: %v", len(got), err)
			}
			got = append(got, b[:n]...)
		case 4:
			n := min(left, 1+rng.IntN(5000))
			k, err := r.Discard(n)
			if k != n || err != nil {
				t.Fatalf("Discard(%d) = %d, %v", n, k, err)
			}
			got = append(got, want[len(got):len(got)+n]...)
		}
		if !bytes.Equal(got, want[:len(got)]) {
			t.Fatalf("bytes differ within the first %d", len(got))
		}
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		c.Write(make([]byte, 10000))
		c.Close()
	}()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	r := newSocketReader(nc, 4096)
	if _, err := r.Peek(100); err != nil {
		t.Fatal(err)
	}
	if err := r.ReadFull(make([]byte, 20000), true); err != io.ErrUnexpectedEOF {
		t.Fatalf("ReadFull past the end: %v, want io.ErrUnexpectedEOF", err)
	}
}
