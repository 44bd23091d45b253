package framing

import (
	"encoding/binary"
	"math"
)

// PrefixLen is the size of the header in front of every message: one byte of
// Compressed-Flag and four bytes of Message-Length.
const PrefixLen = 5

// MaxMessageLen is the largest Message-Length the prefix can carry, because the
// spec encodes it as a "4 byte unsigned integer (big endian)". No limit set by a
// caller can raise it.
const MaxMessageLen = math.MaxUint32

// The two Compressed-Flag values the spec allows.
const (
	// FlagUncompressed marks a message whose bytes are sent as they are.
	FlagUncompressed byte = 0
	// FlagCompressed marks a message compressed with the stream's grpc-encoding.
	FlagCompressed byte = 1
)

// compressedFlags is the spec's definition of Compressed-Flag, one row per
// value it allows. Any other value is a framing error (FlagError).
//
// PROTOCOL-HTTP2.md: "A Compressed-Flag value of 1 indicates that the binary
// octet sequence of Message is compressed using the mechanism declared by the
// Message-Encoding header. A value of 0 indicates that no encoding of Message
// bytes has occurred. [...] If the Message-Encoding header is omitted then the
// Compressed-Flag must be 0."
var compressedFlags = [...]struct {
	flag         byte
	compressed   bool // the Message bytes are compressed
	needEncoding bool // only valid when grpc-encoding names a compression
}{
	{flag: FlagUncompressed, compressed: false, needEncoding: false},
	{flag: FlagCompressed, compressed: true, needEncoding: true},
}

// Prefix is the decoded 5-byte header of a Length-Prefixed-Message. It holds
// the raw flag byte, valid or not, so that tracing can show what a peer sent.
type Prefix struct {
	// Flag is the Compressed-Flag byte: FlagUncompressed, FlagCompressed, or
	// an invalid value received from a broken peer.
	Flag byte
	// Length is the Message-Length: the number of message bytes that follow
	// the prefix on the wire (compressed bytes when Flag is FlagCompressed).
	Length uint32
}

// Compressed reports whether the flag says the message bytes are compressed.
// It is false for invalid flags; use Valid to tell those apart.
func (p Prefix) Compressed() bool { return p.Flag == FlagCompressed }

// Valid reports whether the flag is one the spec allows (0 or 1), so that a
// reader can reject a corrupt stream before trusting its length.
func (p Prefix) Valid() bool {
	for _, row := range compressedFlags {
		if row.flag == p.Flag {
			return true
		}
	}
	return false
}

// Put writes the prefix into b[:PrefixLen], which is how a placeholder made by
// BeginMessage is filled in place. It panics if b is shorter than PrefixLen,
// like any out-of-range slice write.
func (p Prefix) Put(b []byte) {
	_ = b[PrefixLen-1] // one bounds check for the five writes
	b[0] = p.Flag
	binary.BigEndian.PutUint32(b[1:PrefixLen], p.Length)
}

// Append appends the 5 prefix bytes to dst and returns the extended slice.
func (p Prefix) Append(dst []byte) []byte {
	return binary.BigEndian.AppendUint32(append(dst, p.Flag), p.Length)
}

// ParsePrefix decodes the first PrefixLen bytes of b. It does not judge the
// flag (see Prefix.Valid), so it never fails once five bytes are there; with
// fewer it returns an error matching ErrTruncated.
func ParsePrefix(b []byte) (Prefix, error) {
	if len(b) < PrefixLen {
		return Prefix{}, truncatedPrefix(len(b))
	}
	return Prefix{Flag: b[0], Length: binary.BigEndian.Uint32(b[1:PrefixLen])}, nil
}
