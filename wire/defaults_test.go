package wire

import "testing"

// TestDefaults pins the relations the defaults' reasons depend on.
func TestDefaults(t *testing.T) {
	if DefaultMaxRecvMsgSize != 4<<20 || DefaultMaxSendMsgSize != 1<<31-1 {
		t.Error("message size defaults differ from grpc-go's")
	}
	if DefaultInitialWindowSize < 1<<20 {
		t.Error("the stream window must hold one 1 MiB message")
	}
	if DefaultInitialConnWindowSize < DefaultInitialWindowSize {
		t.Error("the connection window is smaller than one stream's")
	}
	if DefaultInitialConnWindowSize > 1<<31-1 || DefaultInitialWindowSize > 1<<31-1 {
		t.Error("a window exceeds RFC 9113's 2^31-1")
	}
	if DefaultMaxFrameSize < 16384 || DefaultMaxFrameSize > 1<<24-1 {
		t.Error("max frame size outside RFC 9113 §6.5.2's range")
	}
	if DefaultMaxHeaderListSize < SpecSuggestedMaxHeaderListSize {
		t.Error("we enforce less than the spec suggests peers may send")
	}
	if DefaultMaxConcurrentStreams < 100 {
		t.Error("RFC 9113 recommends at least 100 concurrent streams")
	}
	if DefaultWriteBufferSize < DefaultMaxFrameSize+9 {
		t.Error("the write buffer does not hold a full DATA frame")
	}
	if DefaultBackoffMaxDelay < DefaultBackoffBaseDelay || DefaultBackoffMultiplier <= 1 || DefaultBackoffJitter >= 1 {
		t.Error("backoff defaults are inconsistent")
	}
	if DefaultKeepaliveTime != 0 && DefaultKeepaliveTime < KeepaliveMinTime {
		t.Error("the server's own keepalive would strike against its policy")
	}
}
