package framing_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"grpcwire/framing"
)

func TestGzipRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 100, 16 << 10, 1 << 20} {
		msg := payload(n, uint64(n))
		z, err := framing.Gzip.AppendCompressed([]byte("pre"), msg)
		if err != nil || !bytes.HasPrefix(z, []byte("pre")) {
			t.Fatalf("%d bytes: AppendCompressed: %v", n, err)
		}
		if got := gunzipStd(t, z[3:]); !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes: compress/gzip reads back something else", n)
		}
		for _, limit := range []int{-1, n} {
			out, err := framing.Gzip.AppendDecompressed([]byte("pre"), z[3:], limit)
			if err != nil || !bytes.Equal(out, append([]byte("pre"), msg...)) {
				t.Fatalf("%d bytes, limit %d: AppendDecompressed: %v", n, limit, err)
			}
		}
		if n > 0 {
			out, err := framing.Gzip.AppendDecompressed([]byte("pre"), z[3:], n-1)
			var e *framing.TooLargeError
			if !errors.As(err, &e) || !e.Decompressed || e.Limit != n-1 || e.Length != int64(n) || string(out) != "pre" {
				t.Fatalf("%d bytes, limit %d: got %q, %#v; want dst unchanged and TooLargeError", n, n-1, out, err)
			}
		}
	}
}

// TestGzipLimitMaxInt checks that the largest limit does not overflow into
// "exceeded".
func TestGzipLimitMaxInt(t *testing.T) {
	out, err := framing.Gzip.AppendDecompressed(nil, gzipStd(t, []byte("hello")), math.MaxInt)
	if err != nil || string(out) != "hello" {
		t.Fatalf("limit MaxInt: %q, %v", out, err)
	}
	r := framing.NewReader(bytes.NewReader(frame(1, gzipStd(t, []byte("hello")))), math.MaxInt)
	r.SetCodec(framing.Gzip)
	if msg, _, err := r.ReadMessage(nil); err != nil || string(msg) != "hello" {
		t.Fatalf("Reader with limit MaxInt: %q, %v", msg, err)
	}
}

func TestGzipReadsOtherEncoders(t *testing.T) {
	msg := payload(5000, 42)
	for _, level := range []int{gzip.NoCompression, gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression, gzip.HuffmanOnly} {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, level)
		zw.Name = "with-a-header-name.bin" // optional header fields are skipped
		zw.Write(msg)
		zw.Close()
		out, err := framing.Gzip.AppendDecompressed(nil, b.Bytes(), -1)
		if err != nil || !bytes.Equal(out, msg) {
			t.Errorf("level %d: %v", level, err)
		}
	}
	// Multi-member streams (concatenated gzip files) are accepted.
	multi := append(gzipStd(t, []byte("one, ")), gzipStd(t, []byte("two"))...)
	if out, err := framing.Gzip.AppendDecompressed(nil, multi, -1); err != nil || string(out) != "one, two" {
		t.Errorf("two members: %q, %v", out, err)
	}
}

func TestGzipCorrupt(t *testing.T) {
	good := gzipStd(t, payload(2000, 1))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x55
		return b
	}
	tests := []struct {
		name  string
		src   []byte
		cause error // optional: the underlying error to find
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"not gzip", []byte("definitely not gzip"), gzip.ErrHeader},
		{"bad magic", flip(0), gzip.ErrHeader},
		{"corrupt deflate data", flip(len(good) / 2), nil},
		{"bad CRC-32", flip(len(good) - 8), gzip.ErrChecksum},
		{"bad ISIZE", flip(len(good) - 1), gzip.ErrChecksum},
		{"cut inside the data", good[:len(good)/2], io.ErrUnexpectedEOF},
		{"cut inside the trailer", good[:len(good)-3], io.ErrUnexpectedEOF},
		{"garbage after the member", append(bytes.Clone(good), "this is not another gzip member"...), gzip.ErrHeader},
		{"a few stray bytes after the member", append(bytes.Clone(good), "junk"...), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := framing.Gzip.AppendDecompressed([]byte("kept"), tt.src, -1)
			var e *framing.DecompressError
			if !errors.As(err, &e) || e.Codec != "gzip" || !errors.Is(err, framing.ErrDecompress) {
				t.Fatalf("err = %v, want *DecompressError", err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.cause)
			}
			if errors.Is(err, io.EOF) {
				t.Errorf("err = %v must not look like a clean io.EOF", err)
			}
			if string(out) != "kept" {
				t.Errorf("dst = %q, want it unchanged", out)
			}
		})
	}
	// The pooled reader is fine after all those failures.
	if out, err := framing.Gzip.AppendDecompressed(nil, good, -1); err != nil || len(out) != 2000 {
		t.Fatalf("after failures: %d bytes, %v", len(out), err)
	}
}

// TestGzipLyingISIZE checks that the ISIZE trailer is not used to size
// buffers: a stream claiming 4 GiB in ISIZE (with its checksum then wrong)
// must not allocate it.
func TestGzipLyingISIZE(t *testing.T) {
	z := gzipStd(t, []byte("small"))
	copy(z[len(z)-4:], []byte{0xff, 0xff, 0xff, 0xff})
	var err error
	n := allocatedBytes(func() { _, err = framing.Gzip.AppendDecompressed(nil, z, -1) })
	if !errors.Is(err, gzip.ErrChecksum) {
		t.Errorf("err = %v, want the size mismatch reported as gzip.ErrChecksum", err)
	}
	if n > 1<<20 {
		t.Errorf("allocated %d bytes for a 5-byte message claiming 4 GiB", n)
	}
}

// TestGzipBomb decompresses 1 GiB of zeros (about 1 MiB of gzip) under a
// 1 MiB limit: it must fail fast with a decompressed-size TooLargeError, and
// allocate a few MiB at most.
func TestGzipBomb(t *testing.T) {
	const limit = 1 << 20
	b := bomb(t, 1024)
	if !raceEnabled && !testing.Short() {
		// Prove the bomb is real: compress/gzip reads 1 GiB out of it.
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, zr)
		if err != nil || n != 1<<30 {
			t.Fatalf("the bomb holds %d bytes (%v), want 1 GiB", n, err)
		}
	}
	for _, dst := range [][]byte{nil, make([]byte, 0, 100), make([]byte, 0, 10*limit)} {
		var err error
		start := time.Now()
		n := allocatedBytes(func() { _, err = framing.Gzip.AppendDecompressed(dst, b, limit) })
		elapsed := time.Since(start)
		var e *framing.TooLargeError
		if !errors.As(err, &e) || !e.Decompressed || e.Limit != limit || e.Length != limit+1 {
			t.Fatalf("err = %#v, want TooLargeError{Length: limit+1, Limit: limit, Decompressed: true}", err)
		}
		if n > 2*limit {
			t.Errorf("cap(dst) %d: decompressing the bomb allocated %d bytes, want under %d", cap(dst), n, 2*limit)
		}
		t.Logf("cap(dst) %d: 1 GiB bomb (%d bytes) rejected in %v after allocating %d bytes", cap(dst), len(b), elapsed, n)
	}
	// Without a limit the same code reads it all (checked on a smaller bomb,
	// so the test does not need a GiB of memory).
	out, err := framing.Gzip.AppendDecompressed(nil, bomb(t, 8), -1)
	if err != nil || len(out) != 8<<20 || crc32.ChecksumIEEE(out) != crc32.ChecksumIEEE(make([]byte, 8<<20)) {
		t.Fatalf("8 MiB bomb without a limit: %d bytes, %v", len(out), err)
	}
}

func TestNewGzip(t *testing.T) {
	for _, level := range []int{gzip.HuffmanOnly, gzip.NoCompression, gzip.BestSpeed, gzip.BestCompression, gzip.DefaultCompression} {
		c, err := framing.NewGzip(level)
		if err != nil || c.Name() != "gzip" {
			t.Fatalf("NewGzip(%d) = %v, %v", level, c, err)
		}
		msg := payload(3000, 7)
		z, err := c.AppendCompressed(nil, msg)
		if err != nil || !bytes.Equal(gunzipStd(t, z), msg) {
			t.Fatalf("NewGzip(%d): round trip failed: %v", level, err)
		}
	}
	for _, level := range []int{-3, 10, 100} {
		if c, err := framing.NewGzip(level); err == nil || c != nil {
			t.Errorf("NewGzip(%d) = %v, %v; want an error", level, c, err)
		}
	}
	if framing.DefaultGzipLevel != gzip.BestSpeed {
		t.Errorf("DefaultGzipLevel = %d", framing.DefaultGzipLevel)
	}
}

func TestGzipConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			msg := payload(1000+i*500, uint64(i))
			for range 20 {
				z, err := framing.Gzip.AppendCompressed(nil, msg)
				if err != nil {
					t.Error(err)
					return
				}
				out, err := framing.Gzip.AppendDecompressed(nil, z, -1)
				if err != nil || !bytes.Equal(out, msg) {
					t.Errorf("goroutine %d: round trip failed: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
