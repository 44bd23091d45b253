package tap

import "time"

// The HTTP/2 values a follower starts from, RFC 9113 section 6.5.2, before
// either side has announced its own.
const (
	// initialHeaderTableSize is SETTINGS_HEADER_TABLE_SIZE's initial value:
	// "The initial value is 4,096 octets."
	initialHeaderTableSize = 4096
	// initialMaxFrameSize is SETTINGS_MAX_FRAME_SIZE's initial value:
	// "The initial value is 2^14 (16,384) octets."
	initialMaxFrameSize = 1 << 14
	// maxAllowedFrameSize is the largest SETTINGS_MAX_FRAME_SIZE: "The
	// value advertised by an endpoint MUST be between this initial value
	// and the maximum allowed frame size (2^24-1 or 16,777,215 octets)".
	maxAllowedFrameSize = 1<<24 - 1
)

// MaxHeaderTableSize is the largest HPACK dynamic table a follower keeps
// for one direction: 1 MiB, 256 times HTTP/2's default of 4,096, which
// every gRPC implementation we know keeps. A peer that announces more and
// an encoder that uses it make the follower report an HPACK error and stop
// decoding that direction's header fields, instead of growing without bound.
const MaxHeaderTableSize = 1 << 20

// MaxHeaderFieldBytes bounds the decoded header fields (names and values)
// a follower keeps of one header block: 256 KiB, sixteen times grpcwire's
// and grpc-go's 16 KiB of metadata a server accepts by default. The rest
// of a larger block is still decoded, to keep the dynamic table in step,
// but not kept; the frame's Problem says how many fields were left out.
const MaxHeaderFieldBytes = 256 << 10

// maxHeaderString bounds one HPACK string (a name or a value): no larger
// than the table a follower keeps, which also bounds what the decoder saves
// of a string split across CONTINUATION frames.
const maxHeaderString = MaxHeaderTableSize

// maxKeptPayload is the largest frame payload buffer a direction keeps for
// the next frame; a bigger one (a peer that raised SETTINGS_MAX_FRAME_SIZE)
// is released after its frame.
const maxKeptPayload = 64 << 10

// copyBufferSize is the buffer Forward copies each direction through: 32
// KiB, io.Copy's, two 16 KiB frames at a time.
const copyBufferSize = 32 << 10

// DefaultCloseGrace is how long Forward lets the other side finish after one
// side hung up: the hang-up is forwarded as a TCP half-close (FIN after
// every byte already forwarded, so that the peer gets the last frames, a
// GOAWAY, instead of a reset), and the other side is closed once it closes
// too or this much later.
const DefaultCloseGrace = 2 * time.Second

// hpackBatch is how many bytes of small header block fragments a direction
// gathers before handing them to its HPACK decoder: one frame's worth at
// HTTP/2's default size, which keeps a block cut into many tiny
// CONTINUATION frames linear to decode.
const hpackBatch = 16 << 10
