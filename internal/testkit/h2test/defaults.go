package h2test

import "time"

// DefaultTimeout bounds every read and every write a Peer makes unless
// SetTimeout says otherwise. A test waiting for a frame that never comes must
// fail quickly with the frames seen so far, instead of hanging until
// `go test -timeout` kills the whole binary with no word about the connection.
// Five seconds is far above any loopback round trip, even under -race on a
// loaded 2-core machine, and far below the default test timeout.
const DefaultTimeout = 5 * time.Second

// LeakWait is how long VerifyNoLeaks gives the goroutines a test started to
// exit after the test (and its other cleanups) have finished. Connection
// goroutines notice a closed socket within microseconds; the margin covers a
// loaded machine running tests in parallel.
const LeakWait = 5 * time.Second

// How often VerifyNoLeaks looks again while it waits: soon at first, since
// goroutines usually exit within a millisecond of their connection closing,
// then backing off so that a real leak does not cost the machine a busy loop.
const (
	leakPollFirst = time.Millisecond
	leakPollMax   = 100 * time.Millisecond
)

// DefaultAuthority is the :authority the gRPC request helpers send. Tests talk
// only to the loopback interface, and "localhost" is the name a real client
// would use for it.
const DefaultAuthority = "localhost"

// Protocol numbers the Peer needs before any SETTINGS frame has arrived. They
// are RFC 9113's initial values, fixed by the protocol rather than chosen.
const (
	// initialHeaderTableSize is the initial SETTINGS_HEADER_TABLE_SIZE
	// (RFC 9113 §6.5.2): the HPACK dynamic table each side may use until the
	// other advertises a different size.
	initialHeaderTableSize = 4096
	// initialMaxFrameSize is the initial SETTINGS_MAX_FRAME_SIZE
	// (RFC 9113 §6.5.2): the largest frame payload a peer must accept.
	initialMaxFrameSize = 16384
	// maxAllowedFrameSize is the largest SETTINGS_MAX_FRAME_SIZE a peer may
	// advertise (RFC 9113 §6.5.2): 2^24-1, the 24-bit length field's limit.
	maxAllowedFrameSize = 1<<24 - 1
	// frameHeaderLen is the fixed size of every frame header (RFC 9113 §4.1).
	frameHeaderLen = 9
)

// How much a failure message shows. Enough to see the conversation that led
// to the failure, not so much that the message drowns the test output.
const (
	// frameLogSize is how many of the most recent frames, sent and received,
	// a failure message lists.
	frameLogSize = 64
	// summaryBytes is how many bytes of a payload or a header value one line
	// of the frame log shows before eliding the rest.
	summaryBytes = 64
)

// grpcPrefixLen is the size of a Length-Prefixed-Message's prefix
// (PROTOCOL-HTTP2.md): a one-byte Compressed-Flag and a four-byte big-endian
// Message-Length.
const grpcPrefixLen = 5
