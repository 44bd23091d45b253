package framing

import (
	"errors"
	"io"
	"math"
)

// Reader reads whole Length-Prefixed-Messages from a byte stream (a stream's
// DATA frame payloads, concatenated) whose read boundaries have nothing to do
// with message boundaries: it works with a source that returns one byte per
// Read and with one that returns several messages in a single Read.
//
// A Reader checks the declared Message-Length against its max receive size
// before it allocates anything, so a peer cannot make it allocate more than
// the limit. Once ReadMessage has returned an error, every later call returns
// the same error: after a broken message the stream cannot be resynchronized.
// Reset starts over.
//
// A Reader reads ahead of the message it returns (up to readAheadSize bytes),
// so the source belongs to it until Reset: bytes read from the source by
// anyone else are lost to the framing. A Reader is not safe for concurrent
// use; one goroutine reads each stream.
type Reader struct {
	src    io.Reader
	maxLen int   // max receive size; < 0: no limit
	codec  Codec // the stream's grpc-encoding; nil for none or identity

	ahead    []byte             // read-ahead buffer, allocated on first use
	alloc    func(n int) []byte // message buffers, when set (SetAlloc)
	off, end int                // ahead[off:end] holds bytes read but not yet consumed
	srcErr   error              // error from src, returned once ahead is drained
	err      error              // sticky error from ReadMessage
}

// NewReader returns a Reader of messages from r that rejects any message over
// maxLen bytes, declared or decompressed (maxLen < 0: no limit). The stream
// has no encoding until SetCodec is called.
func NewReader(r io.Reader, maxLen int) *Reader {
	return &Reader{src: r, maxLen: maxLen}
}

// Reset makes the Reader read from src as if newly made, keeping its limit,
// codec and buffer, so that one Reader can serve stream after stream without
// allocating.
func (r *Reader) Reset(src io.Reader) {
	r.src = src
	r.off, r.end = 0, 0
	r.srcErr, r.err = nil, nil
}

// UseBuffer gives the Reader b as its read-ahead buffer instead of one it
// allocates on first use, so that a caller that embeds an array in a
// longer-lived struct saves an allocation per stream. b must hold at least
// PrefixLen bytes; the Reader keeps using it until the next UseBuffer.
func (r *Reader) UseBuffer(b []byte) {
	if len(b) < PrefixLen {
		return
	}
	r.ahead = b
	r.off, r.end = 0, 0
}

// SetAlloc makes the Reader take message buffers from alloc when the buffer
// passed to ReadMessage is too small, so that a caller can pool them; nil
// restores plain allocation. alloc(n) must return a slice of length n. The
// receive limit is checked before alloc is called.
func (r *Reader) SetAlloc(alloc func(n int) []byte) { r.alloc = alloc }

// SetCodec sets the codec for messages with Compressed-Flag 1, as named by the
// stream's grpc-encoding header. nil or Identity means the stream has no
// encoding, so that a compressed message is an error
// (ErrCompressedWithoutEncoding).
func (r *Reader) SetCodec(c Codec) {
	if isIdentity(c) {
		c = nil
	}
	r.codec = c
}

// SetMaxLen sets the max receive size in bytes for the messages still to be
// read (n < 0: no limit). It applies to the declared Message-Length and to the
// decompressed size alike.
func (r *Reader) SetMaxLen(n int) { r.maxLen = n }

// ReadMessage reads the next message and returns its bytes, with
// compressed=true when its Compressed-Flag was 1 (the bytes returned are then
// already decompressed).
//
// The message is read into buf when cap(buf) suffices, so a caller that passes
// the previous message's buffer back reads without allocating; otherwise a
// buffer of exactly the declared length is allocated, after the length has
// passed the limit check. A compressed message is read into a pooled scratch
// buffer and decompressed into buf[:0] (growing it as needed), with the
// receive limit applied to the decompressed size too. A zero-length message is
// valid with either flag; with flag 1 it is the empty message, as there is no
// compressed stream to decode.
//
// The declared length of a compressed message is its compressed size, and it
// is held to the same limit before anything is read, as grpc-go does: a
// message that compression made bigger (tiny or incompressible ones do)
// needs a limit that admits its compressed size too.
//
// Errors: io.EOF itself when the stream ends cleanly between messages;
// ErrTruncated when it ends inside one; *TooLargeError over the limit;
// ErrCompressedWithoutEncoding; *FlagError (ErrBadFlag); *DecompressError
// (ErrDecompress); any other error of the source, wrapped so that errors.Is
// and errors.As still find it.
func (r *Reader) ReadMessage(buf []byte) (msg []byte, compressed bool, err error) {
	if r.err != nil {
		return nil, false, r.err
	}
	msg, compressed, err = r.readMessage(buf)
	if err != nil {
		r.err = err
		return nil, false, err
	}
	return msg, compressed, nil
}

func (r *Reader) readMessage(buf []byte) ([]byte, bool, error) {
	p, err := r.readPrefix()
	if err != nil {
		return nil, false, err
	}
	if !p.Valid() {
		return nil, false, &FlagError{Flag: p.Flag}
	}
	compressed := p.Compressed()
	if compressed && r.codec == nil {
		return nil, false, ErrCompressedWithoutEncoding
	}
	if uint64(p.Length) > uint64(math.MaxInt) {
		// Only on 32-bit platforms: no slice can hold it.
		return nil, false, &TooLargeError{Length: int64(p.Length), Limit: math.MaxInt}
	}
	n := int(p.Length)
	if r.maxLen >= 0 && n > r.maxLen {
		return nil, false, &TooLargeError{Length: int64(n), Limit: r.maxLen}
	}
	if !compressed {
		var msg []byte
		switch {
		case cap(buf) >= n:
			msg = buf[:n]
		case r.alloc != nil:
			msg = r.alloc(n)
		default:
			msg = make([]byte, n)
		}
		if err := r.readBody(msg); err != nil {
			return nil, false, err
		}
		return nonNil(msg), false, nil
	}
	if n == 0 {
		return nonNil(buf[:0]), true, nil
	}
	scratch := getScratch(n)
	defer putScratch(scratch)
	if err := r.readBody(*scratch); err != nil {
		return nil, false, err
	}
	msg, err := r.codec.AppendDecompressed(buf[:0], *scratch, r.maxLen)
	if err != nil {
		return nil, false, r.decompressError(err)
	}
	if r.maxLen >= 0 && len(msg) > r.maxLen {
		// A codec that does not honour its limit is caught here, late but
		// before the caller sees the message.
		return nil, false, &TooLargeError{Length: int64(len(msg)), Limit: r.maxLen, Decompressed: true}
	}
	return nonNil(msg), true, nil
}

// nonNil returns b, or an empty non-nil slice for a nil one, so that a
// zero-length message is never mistaken for no message. It does not allocate.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// decompressError classifies a codec failure: a size limit stays a
// *TooLargeError with Decompressed set; anything else is a *DecompressError.
func (r *Reader) decompressError(err error) error {
	var tooLarge *TooLargeError
	if errors.As(err, &tooLarge) {
		if !tooLarge.Decompressed || tooLarge.Send {
			fixed := *tooLarge
			fixed.Decompressed, fixed.Send = true, false
			return &fixed
		}
		return tooLarge
	}
	var de *DecompressError
	if errors.As(err, &de) {
		return err
	}
	return &DecompressError{Codec: r.codec.Name(), Err: err}
}

// readPrefix reads the next PrefixLen bytes through the read-ahead buffer.
func (r *Reader) readPrefix() (Prefix, error) {
	for r.end-r.off < PrefixLen {
		if r.srcErr != nil {
			return Prefix{}, r.endError(r.end-r.off, true, PrefixLen)
		}
		r.fill()
	}
	p, _ := ParsePrefix(r.ahead[r.off:r.end])
	r.off += PrefixLen
	return p, nil
}

// readBody fills msg: first from the read-ahead buffer, then straight from
// the source for large remainders, or through the buffer for small ones so
// that the same Read can bring in the next prefix.
func (r *Reader) readBody(msg []byte) error {
	got := copy(msg, r.ahead[r.off:r.end])
	r.off += got
	for got < len(msg) {
		if r.srcErr != nil {
			return r.endError(got, false, len(msg))
		}
		if len(msg)-got >= readAheadSize {
			got += r.read(msg[got:])
			continue
		}
		r.fill()
		n := copy(msg[got:], r.ahead[r.off:r.end])
		r.off += n
		got += n
	}
	return nil
}

// fill reads once from the source into the free end of the read-ahead buffer,
// first moving unread bytes to its front.
func (r *Reader) fill() {
	if r.ahead == nil {
		r.ahead = make([]byte, readAheadSize)
	}
	if r.off > 0 {
		r.end = copy(r.ahead, r.ahead[r.off:r.end])
		r.off = 0
	}
	r.end += r.read(r.ahead[r.end:])
}

// read calls the source until it yields a byte or an error, recording the
// error in srcErr. It turns a source that keeps returning nothing into
// io.ErrNoProgress rather than spinning forever.
func (r *Reader) read(p []byte) int {
	if r.src == nil {
		r.srcErr = errNoSource
		return 0
	}
	for range maxEmptyReads {
		n, err := r.src.Read(p)
		if n < 0 || n > len(p) {
			r.srcErr = errBadReadCount
			return 0
		}
		if err != nil {
			r.srcErr = err
		}
		if n > 0 || err != nil {
			return n
		}
	}
	r.srcErr = io.ErrNoProgress
	return 0
}

// errNoSource reports a Reader used without an io.Reader.
var errNoSource = errors.New("grpcwire: framing.Reader has no source; pass one to NewReader or Reset")

// endError turns the source's error, met after got of want bytes of a prefix
// or a body, into what ReadMessage returns: io.EOF itself at a clean message
// boundary, ErrTruncated inside a message (io.ErrUnexpectedEOF from the
// source included), and anything else wrapped.
func (r *Reader) endError(got int, prefix bool, want int) error {
	err := r.srcErr
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		switch {
		case prefix && got == 0 && err == io.EOF:
			return io.EOF
		case prefix:
			return truncatedPrefix(got)
		default:
			return truncatedBody(got, want)
		}
	}
	if prefix {
		return readError("a message prefix", err)
	}
	return readError("a message body", err)
}
