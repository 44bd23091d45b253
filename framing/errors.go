package framing

import (
	"errors"
	"fmt"
	"strconv"
)

// The errors of this package are distinct so that the layer above can map each
// to a gRPC status code in one place: *TooLargeError means the sender broke a
// size limit (RESOURCE_EXHAUSTED); every other error here means the byte stream
// itself is broken (INTERNAL). A clean end of stream between two messages is
// io.EOF itself, never wrapped, because it is not a failure.

// ErrTruncated is matched (errors.Is) by the error returned when the stream
// ends inside a prefix or inside a message body. The returned error wraps it
// with how far the message got, e.g. "after 3 of 5 prefix bytes". It replaces
// io.ErrUnexpectedEOF so that callers have one thing to match.
var ErrTruncated = errors.New("grpcwire: stream ended inside a length-prefixed message")

// ErrCompressedWithoutEncoding is returned when a message has Compressed-Flag 1
// but the stream declared no grpc-encoding, or declared "identity". The spec
// forbids it: "If the Message-Encoding header is omitted then the
// Compressed-Flag must be 0." The peer is at fault; there is nothing to
// decompress with.
var ErrCompressedWithoutEncoding = errors.New("grpcwire: received a compressed message (flag 1) on a stream without grpc-encoding; the spec requires flag 0 when no encoding is declared")

// ErrBadFlag is what errors.Is matches for every *FlagError.
var ErrBadFlag = errors.New("grpcwire: invalid compressed flag")

// ErrDecompress is what errors.Is matches for every *DecompressError.
var ErrDecompress = errors.New("grpcwire: cannot decompress message")

// errBadReadCount is returned when the underlying io.Reader breaks its
// contract by reporting more bytes than it was given room for, or fewer than
// zero; continuing would index out of range.
var errBadReadCount = errors.New("grpcwire: underlying reader returned an impossible byte count")

// TooLargeError reports a message over a size limit: the max receive size
// checked on the declared Message-Length (before anything is allocated), the
// max receive size checked on the decompressed size, or the max send size. The
// layer above maps it to RESOURCE_EXHAUSTED.
type TooLargeError struct {
	// Length is the size of the message in bytes: the declared
	// Message-Length when receiving, the message size when sending. When
	// Decompressed is set it is only a lower bound, at least Limit+1,
	// because decompression stops as soon as the limit is passed.
	Length int64
	// Limit is the limit that was exceeded, in bytes.
	Limit int
	// Send is true when the limit is the max send size, false for the max
	// receive size.
	Send bool
	// Decompressed is true when the limit was exceeded by the decompressed
	// form of a message whose compressed form was within it.
	Decompressed bool
}

// Error names the size, the limit and which limit fired, so that the reader
// knows which option to raise.
func (e *TooLargeError) Error() string {
	var b []byte
	switch {
	case e.Send:
		b = append(b, "grpcwire: message of "...)
		b = strconv.AppendInt(b, e.Length, 10)
		b = append(b, " bytes exceeds the max send size of "...)
	case e.Decompressed:
		b = append(b, "grpcwire: decompressed message exceeds the max receive size of "...)
	default:
		b = append(b, "grpcwire: received message of "...)
		b = strconv.AppendInt(b, e.Length, 10)
		b = append(b, " bytes exceeds the max receive size of "...)
	}
	b = strconv.AppendInt(b, int64(e.Limit), 10)
	b = append(b, " bytes"...)
	return string(b)
}

// FlagError reports a Compressed-Flag other than 0 or 1: the stream is not
// gRPC framing, or is out of step. errors.Is(err, ErrBadFlag) matches it.
type FlagError struct {
	// Flag is the byte found where the Compressed-Flag belongs.
	Flag byte
}

// Error names the flag received and the values allowed.
func (e *FlagError) Error() string {
	return "grpcwire: invalid compressed flag " + strconv.Itoa(int(e.Flag)) +
		" in a message prefix (the spec allows only 0 and 1); the stream is not gRPC framing or is out of step"
}

// Is makes errors.Is(err, ErrBadFlag) true for every FlagError.
func (e *FlagError) Is(target error) bool { return target == ErrBadFlag }

// DecompressError reports a compressed message that its codec could not
// decompress: corrupt or truncated data, a bad checksum. It unwraps to the
// codec's own error, and errors.Is(err, ErrDecompress) matches it.
type DecompressError struct {
	// Codec is the grpc-encoding name of the codec that failed, e.g. "gzip".
	Codec string
	// Err is the codec's error.
	Err error
}

// Error names the codec and its complaint.
func (e *DecompressError) Error() string {
	return "grpcwire: cannot decompress a " + strconv.Quote(e.Codec) + " message: " + errString(e.Err)
}

// Unwrap returns the codec's error so that errors.Is and errors.As see it.
func (e *DecompressError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDecompress) true for every DecompressError.
func (e *DecompressError) Is(target error) bool { return target == ErrDecompress }

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// truncatedPrefix is the ErrTruncated for a stream that ended after got of
// the PrefixLen prefix bytes.
func truncatedPrefix(got int) error {
	return fmt.Errorf("%w: after %d of %d prefix bytes", ErrTruncated, got, PrefixLen)
}

// truncatedBody is the ErrTruncated for a stream that ended after got of the
// want message bytes.
func truncatedBody(got, want int) error {
	return fmt.Errorf("%w: after %d of %d message bytes", ErrTruncated, got, want)
}

// readError wraps an error of the underlying io.Reader with what was being
// read, keeping it visible to errors.Is and errors.As.
func readError(what string, err error) error {
	return fmt.Errorf("grpcwire: reading %s: %w", what, err)
}
