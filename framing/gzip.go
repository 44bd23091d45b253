package framing

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"strconv"
	"sync"
)

// gzipName is the grpc-encoding token of gzip (PROTOCOL-HTTP2.md,
// Content-Coding).
const gzipName = "gzip"

// Gzip is the "gzip" codec (RFC 1952), built on compress/gzip with pooled
// writers and readers so that steady-state compression allocates nothing but
// the output. Decompression accepts multi-member streams, stops one byte past
// the limit, and never sizes a buffer from the gzip ISIZE trailer, which a
// sender can set to anything.
var Gzip Codec = mustGzip(DefaultGzipLevel)

// NewGzip returns a "gzip" codec that compresses at level (gzip.HuffmanOnly,
// or gzip.NoCompression through gzip.BestCompression, or
// gzip.DefaultCompression), for a process that wants to trade CPU for size
// differently from Gzip; pass it to Register to use it for every stream.
func NewGzip(level int) (Codec, error) {
	if _, err := gzip.NewWriterLevel(io.Discard, level); err != nil {
		return nil, errors.New("grpcwire: gzip level " + strconv.Itoa(level) + " is invalid; use gzip.HuffmanOnly, gzip.DefaultCompression, or 0 (none) through 9 (best)")
	}
	c := new(gzipCodec)
	c.writers.New = func() any {
		w := new(gzipWriter)
		// The level was checked above, so this cannot fail.
		w.zw, _ = gzip.NewWriterLevel(&w.out, level)
		return w
	}
	c.readers.New = func() any { return new(gzipReader) }
	return c, nil
}

func mustGzip(level int) Codec {
	c, err := NewGzip(level)
	if err != nil {
		panic(err)
	}
	return c
}

type gzipCodec struct {
	writers sync.Pool // of *gzipWriter
	readers sync.Pool // of *gzipReader
}

// gzipWriter keeps a gzip.Writer together with the appending io.Writer it
// writes to, so that neither is allocated per message.
type gzipWriter struct {
	zw  *gzip.Writer
	out appendWriter
}

// appendWriter is an io.Writer that appends to a caller's slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// gzipReader keeps a gzip.Reader together with the bytes.Reader it reads, so
// that neither is allocated per message. zr is created on first use because
// gzip.Reader reads a header as soon as it gets a source.
type gzipReader struct {
	zr  *gzip.Reader
	src bytes.Reader
}

// Name returns "gzip".
func (c *gzipCodec) Name() string { return gzipName }

// AppendCompressed appends one complete gzip member holding src to dst.
func (c *gzipCodec) AppendCompressed(dst, src []byte) ([]byte, error) {
	w := c.writers.Get().(*gzipWriter)
	w.out.b = dst
	w.zw.Reset(&w.out)
	_, err := w.zw.Write(src)
	if err == nil {
		err = w.zw.Close()
	}
	out := w.out.b
	w.out.b = nil // do not keep the caller's buffer alive from the pool
	c.writers.Put(w)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendDecompressed appends the decompressed bytes of src, one or more gzip
// members, to dst. It fails with a *TooLargeError as soon as more than limit
// bytes come out (limit < 0: no limit), having allocated at most about limit
// bytes, and with a *DecompressError when src is not valid gzip. On failure it
// returns dst with its original length.
func (c *gzipCodec) AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	r := c.readers.Get().(*gzipReader)
	defer c.readers.Put(r)
	r.src.Reset(src)
	if r.zr == nil {
		r.zr = new(gzip.Reader) // Reset on a zero Reader sets it up fully
	}
	if err := r.zr.Reset(&r.src); err != nil {
		r.src.Reset(nil)
		return dst, &DecompressError{Codec: gzipName, Err: eofIsCorrupt(err)}
	}
	r.zr.Multistream(true)
	out, err := readAllLimited(dst, r.zr, limit, firstStep(len(src)))
	r.src.Reset(nil) // do not keep the caller's buffer alive from the pool
	if err != nil {
		var tooLarge *TooLargeError
		if errors.As(err, &tooLarge) {
			return dst, err
		}
		return dst, &DecompressError{Codec: gzipName, Err: eofIsCorrupt(err)}
	}
	return out, nil
}

// eofIsCorrupt turns an end of input reported by the decompressor into
// io.ErrUnexpectedEOF: a gzip stream that ends early is corrupt, and a plain
// io.EOF would look like success to anyone matching it.
func eofIsCorrupt(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// firstStep is how much room decompression first makes for n compressed
// bytes: twice as much, a guess that fits typical protobuf ratios in one or two
// steps and wastes at most n bytes on incompressible data. The limit caps it,
// so a bomb gets one buffer of limit+1 bytes and no more.
func firstStep(n int) int {
	return max(2*n, firstDecompressBuffer)
}

// readAllLimited appends everything r yields to dst. Once more than limit
// bytes have come out (limit >= 0) it stops and returns a *TooLargeError; it
// never asks r for more than limit+1 bytes, and grows dst by first bytes and
// then in doubling steps, all capped at that bound, so memory stays within
// about limit however much r could produce.
func readAllLimited(dst []byte, r io.Reader, limit, first int) ([]byte, error) {
	start := len(dst)
	out := dst
	empty := 0
	for {
		produced := len(out) - start
		// allow is how many more bytes may be read: up to limit+1 in
		// total, the one past the limit proving it was exceeded.
		allow := -1
		if limit >= 0 && limit < math.MaxInt { // MaxInt: no limit that a slice could reach
			allow = limit + 1 - produced
		}
		if len(out) == cap(out) {
			grow := max(produced, first)
			if allow >= 0 {
				grow = min(grow, allow)
			}
			out = growExact(out, grow)
		}
		window := out[len(out):cap(out)]
		if allow >= 0 && len(window) > allow {
			window = window[:allow]
		}
		n, err := r.Read(window)
		if n < 0 || n > len(window) {
			return dst, errBadReadCount
		}
		out = out[:len(out)+n]
		if limit >= 0 && len(out)-start > limit {
			// Checked before io.EOF, which may come with the last bytes.
			return dst, &TooLargeError{Length: int64(len(out) - start), Limit: limit, Decompressed: true}
		}
		switch {
		case err == io.EOF:
			return out, nil
		case err != nil:
			return dst, err
		case n == 0:
			if empty++; empty >= maxEmptyReads {
				return dst, io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
}
