package wire

import (
	"testing"

	"golang.org/x/net/http2"
)

// TestRSTStreamTable walks every row of PROTOCOL-HTTP2.md's "Errors" table,
// written out again here from the document.
func TestRSTStreamTable(t *testing.T) {
	doc := []struct {
		code http2.ErrCode
		want Code
	}{
		{http2.ErrCodeNo, Internal},                         // NO_ERROR(0)           | INTERNAL
		{http2.ErrCodeProtocol, Internal},                   // PROTOCOL_ERROR(1)     | INTERNAL
		{http2.ErrCodeInternal, Internal},                   // INTERNAL_ERROR(2)     | INTERNAL
		{http2.ErrCodeFlowControl, Internal},                // FLOW_CONTROL_ERROR(3) | INTERNAL
		{http2.ErrCodeSettingsTimeout, Internal},            // SETTINGS_TIMEOUT(4)   | INTERNAL
		{http2.ErrCodeStreamClosed, Internal},               // STREAM_CLOSED         | No mapping (INTERNAL, as grpc-go)
		{http2.ErrCodeFrameSize, Internal},                  // FRAME_SIZE_ERROR      | INTERNAL
		{http2.ErrCodeRefusedStream, Unavailable},           // REFUSED_STREAM        | UNAVAILABLE
		{http2.ErrCodeCancel, Canceled},                     // CANCEL(8)             | CANCELLED
		{http2.ErrCodeCompression, Internal},                // COMPRESSION_ERROR     | INTERNAL
		{http2.ErrCodeConnect, Internal},                    // CONNECT_ERROR         | INTERNAL
		{http2.ErrCodeEnhanceYourCalm, ResourceExhausted},   // ENHANCE_YOUR_CALM     | RESOURCE_EXHAUSTED
		{http2.ErrCodeInadequateSecurity, PermissionDenied}, // INADEQUATE_SECURITY   | PERMISSION_DENIED
	}
	if len(rstStreamToCode) != len(doc) {
		t.Errorf("rstStreamToCode has %d rows, the document %d", len(rstStreamToCode), len(doc))
	}
	for _, row := range doc {
		if got := CodeFromRSTStream(row.code); got != row.want {
			t.Errorf("CodeFromRSTStream(%v) = %v, want %v", row.code, got, row.want)
		}
	}
	// Not in the table: HTTP_1_1_REQUIRED and unknown codes are INTERNAL
	// (RFC 9113 §7).
	for _, c := range []http2.ErrCode{http2.ErrCodeHTTP11Required, 0xe, 0xffffffff} {
		if got := CodeFromRSTStream(c); got != Internal {
			t.Errorf("CodeFromRSTStream(%v) = %v, want INTERNAL", c, got)
		}
	}
}

func TestRSTStreamReverse(t *testing.T) {
	for _, tc := range []struct {
		code http2.ErrCode
		want http2.ErrCode
		then Code
	}{
		{RSTStreamCancel, http2.ErrCodeCancel, Canceled},
		{RSTStreamEarlyClose, http2.ErrCodeNo, Internal},
		{RSTStreamRefused, http2.ErrCodeRefusedStream, Unavailable},
	} {
		if tc.code != tc.want || CodeFromRSTStream(tc.code) != tc.then {
			t.Errorf("%v: want %v mapping back to %v", tc.code, tc.want, tc.then)
		}
	}
}
