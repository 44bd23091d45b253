package framing_test

import (
	"bytes"
	"io"
	"testing"

	"grpcwire/framing"
)

// The hot paths allocate nothing in steady state: a writer reusing its dst
// and a reader reusing its buf (uncompressed) are measured here so that a
// regression fails the build rather than a benchmark nobody reads.

func TestAppendMessageZeroAllocs(t *testing.T) {
	for _, n := range []int{0, 100, 16 << 10, 1 << 20} {
		msg := payload(n, 1)
		dst := make([]byte, 0, framing.PrefixLen+n)
		if allocs := testing.AllocsPerRun(100, func() {
			dst, _ = framing.AppendMessage(dst[:0], msg, nil, -1)
		}); allocs != 0 {
			t.Errorf("AppendMessage of %d bytes into a reused dst: %v allocs, want 0", n, allocs)
		}
		if allocs := testing.AllocsPerRun(100, func() {
			dst = framing.BeginMessage(dst[:0])
			dst = append(dst, msg...)
			dst, _ = framing.FinishMessage(dst, 0, nil, -1)
		}); allocs != 0 {
			t.Errorf("BeginMessage/FinishMessage of %d bytes into a reused dst: %v allocs, want 0", n, allocs)
		}
	}
}

func TestGzipAppendMessageZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so pooled paths allocate")
	}
	msg := payload(16<<10, 1)
	dst := make([]byte, 0, 64<<10)
	framing.AppendMessage(dst, msg, framing.Gzip, -1) // fill the pool
	if allocs := testing.AllocsPerRun(100, func() {
		dst, _ = framing.AppendMessage(dst[:0], msg, framing.Gzip, -1)
	}); allocs != 0 {
		t.Errorf("AppendMessage with gzip into a reused dst: %v allocs, want 0", allocs)
	}
	buf := make([]byte, 0, 64<<10)
	if allocs := testing.AllocsPerRun(100, func() {
		buf = framing.BeginMessage(buf[:0])
		buf = append(buf, msg...)
		buf, _ = framing.FinishMessage(buf, 0, framing.Gzip, -1)
	}); allocs != 0 {
		t.Errorf("FinishMessage with gzip into a reused buf: %v allocs, want 0", allocs)
	}
}

func TestReadMessageZeroAllocs(t *testing.T) {
	for _, n := range []int{0, 100, 16 << 10, 1 << 20} {
		stream := bytes.Repeat(frame(0, payload(n, 2)), 3)
		src := bytes.NewReader(stream)
		r := framing.NewReader(src, -1)
		buf := make([]byte, 0, n)
		if allocs := testing.AllocsPerRun(100, func() {
			src.Reset(stream)
			r.Reset(src)
			for {
				msg, _, err := r.ReadMessage(buf)
				if err == io.EOF {
					return
				}
				if err != nil || len(msg) != n {
					t.Fatalf("ReadMessage: %d bytes, %v", len(msg), err)
				}
			}
		}); allocs != 0 {
			t.Errorf("ReadMessage of %d bytes into a reused buf: %v allocs, want 0", n, allocs)
		}
	}
}

func TestGzipReadMessageFewAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so pooled paths allocate")
	}
	msg := payload(16<<10, 3)
	stream := frame(1, gzipStd(t, msg))
	src := bytes.NewReader(stream)
	r := framing.NewReader(src, -1)
	r.SetCodec(framing.Gzip)
	buf := make([]byte, 0, 32<<10)
	read := func() {
		src.Reset(stream)
		r.Reset(src)
		got, _, err := r.ReadMessage(buf)
		if err != nil || len(got) != len(msg) {
			t.Fatalf("ReadMessage: %d bytes, %v", len(got), err)
		}
	}
	read() // fill the pools
	// compress/flate allocates the overflow tables of its Huffman decoder for
	// every dynamic block (huffmanDecoder.init): 11 small slices for this
	// message, measured with -memprofile; nothing else on the path allocates.
	// The bound catches a regression such as a new gzip.Reader (5 more) or a
	// scratch buffer per message.
	const flateAllocs = 12
	if allocs := testing.AllocsPerRun(100, read); allocs > flateAllocs {
		t.Errorf("ReadMessage with gzip into a reused buf: %v allocs, want at most %d (compress/flate's own)", allocs, flateAllocs)
	}
}
