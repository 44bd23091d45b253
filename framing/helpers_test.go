package framing_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"grpcwire/framing"
)

// frame builds a Length-Prefixed-Message by hand, independently of the code
// under test, so that tests compare against the spec rather than themselves.
func frame(flag byte, body []byte) []byte {
	return frameLen(flag, uint32(len(body)), body)
}

// frameLen builds a prefix declaring length followed by body, which may be
// shorter or longer than declared.
func frameLen(flag byte, length uint32, body []byte) []byte {
	b := make([]byte, 5, 5+len(body))
	b[0] = flag
	binary.BigEndian.PutUint32(b[1:], length)
	return append(b, body...)
}

// gzipStd compresses b with the standard library alone.
func gzipStd(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// gunzipStd decompresses b with the standard library alone.
func gunzipStd(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	return out
}

// payload returns n deterministic bytes that compress moderately, like real
// messages: words from a small vocabulary with random numbers between them.
func payload(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	words := []string{"user", "id", "name", "email", "created", "grpc", "wire", "message", "status"}
	b := make([]byte, 0, n+16)
	for len(b) < n {
		b = append(b, words[rng.IntN(len(words))]...)
		b = binary.AppendUvarint(b, rng.Uint64N(1<<20))
	}
	return b[:n]
}

// chunkReader returns data in chunks whose sizes come from next, so that reads
// split messages at arbitrary points. With eofWithData the last chunk arrives
// together with io.EOF, as io.Reader allows.
type chunkReader struct {
	data        []byte
	next        func(max int) int
	eofWithData bool
	reads       int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	r.reads++
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := min(r.next(len(p)), len(p), len(r.data))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	if r.eofWithData && len(r.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// randomChunks returns a chunk-size function of random sizes from 1 to 64
// bytes (and the occasional large one), seeded for reproducibility.
func randomChunks(seed uint64) func(int) int {
	rng := rand.New(rand.NewPCG(seed, 1))
	return func(max int) int {
		if rng.IntN(8) == 0 {
			return 1 + rng.IntN(max)
		}
		return 1 + rng.IntN(64)
	}
}

// splitReader returns data[:at] on the first Read and the rest on the next.
type splitReader struct {
	parts [][]byte
}

func newSplitReader(data []byte, at int) *splitReader {
	return &splitReader{parts: [][]byte{data[:at], data[at:]}}
}

func (r *splitReader) Read(p []byte) (int, error) {
	for len(r.parts) > 0 && len(r.parts[0]) == 0 {
		r.parts = r.parts[1:]
	}
	if len(r.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.parts[0])
	r.parts[0] = r.parts[0][n:]
	return n, nil
}

// onlyReader serves data and then fails the test on any further Read, to prove
// that the code under test stopped reading.
type onlyReader struct {
	t     testing.TB
	data  []byte
	reads int
}

func (r *onlyReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		r.t.Errorf("Read called again after the %d bytes offered were consumed", r.reads)
		return 0, errors.New("read past the end")
	}
	r.reads++
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// errAfterReader returns data, then err.
type errAfterReader struct {
	data []byte
	err  error
}

func (r *errAfterReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// readerFunc adapts a function to io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// result is one ReadMessage outcome.
type result struct {
	msg        []byte
	compressed bool
}

// readAll reads messages until the first error and returns them with it. With
// reuse the previous message's buffer is passed back each time; the returned
// messages are copies either way.
func readAll(r *framing.Reader, reuse bool) ([]result, error) {
	var out []result
	var buf []byte
	for {
		msg, compressed, err := r.ReadMessage(buf)
		if err != nil {
			return out, err
		}
		if len(out) > 10000 {
			return out, errors.New("readAll: runaway reader")
		}
		out = append(out, result{bytes.Clone(msg), compressed})
		if reuse {
			buf = msg
		}
	}
}

// allocatedBytes returns how many bytes f allocates on the heap. It runs f once
// with the GC's view stable enough for a coarse bound.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// bomb returns a valid single-member gzip stream of mib MiB of zeros, about
// 1 KiB of gzip per MiB: the ratio that makes decompression bombs dangerous.
// Compressing 1 GiB takes seconds (a minute under the race detector), so it is
// built from identical deflate segments: after the first sync-flushed MiB,
// every further sync-flushed MiB of zeros compresses to the same bytes, and
// the trailer's CRC-32 and ISIZE are computed to match.
func bomb(t testing.TB, mib int) []byte {
	t.Helper()
	bombOnce.Do(func() {
		var out bytes.Buffer
		zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
		if err != nil {
			panic(err)
		}
		zeros := make([]byte, 1<<20)
		var segs [][]byte
		for range 4 {
			zw.Write(zeros)
			zw.Flush()
			segs = append(segs, bytes.Clone(out.Bytes()))
			out.Reset()
		}
		zw.Close()
		bombParts.head, bombParts.mid, bombParts.tail = segs[0], segs[1], out.Bytes()[:out.Len()-8]
		bombParts.ok = bytes.Equal(segs[1], segs[2]) && bytes.Equal(segs[2], segs[3])
	})
	if !bombParts.ok {
		t.Fatal("compress/flate no longer compresses repeated MiBs of zeros to identical segments; build the bomb another way")
	}
	if mib < 1 {
		t.Fatalf("bomb(%d): need at least 1 MiB", mib)
	}
	b := append([]byte(nil), bombParts.head...)
	for range mib - 1 {
		b = append(b, bombParts.mid...)
	}
	b = append(b, bombParts.tail...)
	crc := uint32(0)
	zeros := make([]byte, 1<<20)
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	b = binary.LittleEndian.AppendUint32(b, crc)
	return binary.LittleEndian.AppendUint32(b, uint32(mib<<20))
}

var (
	bombOnce  sync.Once
	bombParts struct {
		head, mid, tail []byte
		ok              bool
	}
)
