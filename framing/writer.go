package framing

import (
	"errors"
	"fmt"
	"math"
)

// maxWireLen is MaxMessageLen as an int, clamped for 32-bit platforms where
// no slice can reach it anyway.
var maxWireLen = int(min(uint64(MaxMessageLen), uint64(math.MaxInt)))

// errBadStart reports a FinishMessage start that cannot be the offset of a
// BeginMessage placeholder; it is a bug in the caller, reported rather than
// panicking because a framing bug must not take the process down.
var errBadStart = errors.New("grpcwire: FinishMessage start is not the offset of a BeginMessage placeholder in buf")

// AppendMessage appends one Length-Prefixed-Message holding msg to dst and
// returns the extended slice; a dst with room for it is not reallocated.
//
// With c nil or Identity the Compressed-Flag is 0 and msg is copied as is,
// growing dst at most once; otherwise msg is compressed with c straight into
// dst and the flag is 1, which is only valid on a stream whose grpc-encoding
// header names c.
//
// maxLen is the max send size (< 0: no limit). It is checked on len(msg),
// before anything is written; a message over it fails with a *TooLargeError
// whose Send field is set. A message whose (compressed) form does not fit the
// 4-byte Message-Length fails the same way with Limit MaxMessageLen. On any
// error dst is returned with its original length.
func AppendMessage(dst, msg []byte, c Codec, maxLen int) ([]byte, error) {
	if err := checkSend(len(msg), maxLen); err != nil {
		return dst, err
	}
	if isIdentity(c) {
		if err := checkSend(len(msg), maxWireLen); err != nil {
			return dst, err
		}
		dst = growAmortized(dst, PrefixLen+len(msg))
		dst = Prefix{Flag: FlagUncompressed, Length: uint32(len(msg))}.Append(dst)
		return append(dst, msg...), nil
	}
	start := len(dst)
	out, err := c.AppendCompressed(BeginMessage(dst), msg)
	if err != nil {
		return dst[:start], compressError(c, err)
	}
	return finishCompressed(out, start)
}

// BeginMessage appends a PrefixLen placeholder for a message prefix to dst, so
// that a marshaller can append the message bytes right behind it (for
// protobuf, proto.MarshalOptions.MarshalAppend) and FinishMessage can then
// fill in the prefix without copying the message. The offset of the
// placeholder is len(dst) before the call.
func BeginMessage(dst []byte) []byte {
	return append(dst, 0, 0, 0, 0, 0)
}

// FinishMessage completes the message that starts at buf[start] with the
// placeholder BeginMessage appended, its bytes being buf[start+PrefixLen:].
//
// With c nil or Identity it writes the prefix (flag 0) in place and copies
// nothing. With a real codec it compresses the message into a pooled scratch
// buffer and rewrites buf from start+PrefixLen on with the compressed bytes
// (flag 1). maxLen is the max send size (< 0: no limit), checked on the
// uncompressed message length; a message over it fails with a *TooLargeError
// whose Send field is set. On those errors buf is returned cut back to start,
// so the caller can reuse it; a start that cannot be a placeholder's offset
// is a caller bug, reported with buf untouched.
func FinishMessage(buf []byte, start int, c Codec, maxLen int) ([]byte, error) {
	if start < 0 || start > len(buf)-PrefixLen {
		return buf, errBadStart
	}
	n := len(buf) - start - PrefixLen
	if err := checkSend(n, maxLen); err != nil {
		return buf[:start], err
	}
	if isIdentity(c) {
		if err := checkSend(n, maxWireLen); err != nil {
			return buf[:start], err
		}
		Prefix{Flag: FlagUncompressed, Length: uint32(n)}.Put(buf[start:])
		return buf, nil
	}
	scratch := getScratch(0)
	compressed, err := c.AppendCompressed((*scratch)[:0], buf[start+PrefixLen:])
	if err != nil {
		putScratch(scratch)
		return buf[:start], compressError(c, err)
	}
	buf = append(buf[:start+PrefixLen], compressed...)
	*scratch = compressed
	putScratch(scratch)
	return finishCompressed(buf, start)
}

// finishCompressed fills the placeholder at buf[start] for the compressed
// bytes that follow it.
func finishCompressed(buf []byte, start int) ([]byte, error) {
	n := len(buf) - start - PrefixLen
	if err := checkSend(n, maxWireLen); err != nil {
		return buf[:start], err
	}
	Prefix{Flag: FlagCompressed, Length: uint32(n)}.Put(buf[start:])
	return buf, nil
}

// checkSend reports a message of n bytes over the send limit maxLen.
func checkSend(n, maxLen int) error {
	if maxLen >= 0 && n > maxLen {
		return &TooLargeError{Length: int64(n), Limit: maxLen, Send: true}
	}
	return nil
}

// compressError names the codec that failed to compress.
func compressError(c Codec, err error) error {
	return fmt.Errorf("grpcwire: cannot compress a message with %q: %w", c.Name(), err)
}
