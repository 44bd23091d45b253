package wire

import "testing"

// TestHTTPStatusTable walks every row of doc/http-grpc-status-mapping.md,
// written out again here from the document, and checks that the table has
// no row the document lacks.
func TestHTTPStatusTable(t *testing.T) {
	doc := []struct {
		status int
		want   Code
	}{
		{400, Internal},         // 400 Bad Request                     | INTERNAL
		{401, Unauthenticated},  // 401 Unauthorized                    | UNAUTHENTICATED
		{403, PermissionDenied}, // 403 Forbidden                       | PERMISSION_DENIED
		{404, Unimplemented},    // 404 Not Found                       | UNIMPLEMENTED
		{429, Unavailable},      // 429 Too Many Requests               | UNAVAILABLE
		{431, Internal},         // 431 Request Header Fields Too Large | INTERNAL
		{502, Unavailable},      // 502 Bad Gateway                     | UNAVAILABLE
		{503, Unavailable},      // 503 Service Unavailable             | UNAVAILABLE
		{504, Unavailable},      // 504 Gateway Timeout                 | UNAVAILABLE
	}
	if len(httpStatusToCode) != len(doc) {
		t.Errorf("httpStatusToCode has %d rows, the document %d", len(httpStatusToCode), len(doc))
	}
	for _, row := range doc {
		if got := CodeFromHTTPStatus(row.status); got != row.want {
			t.Errorf("CodeFromHTTPStatus(%d) = %v, want %v", row.status, got, row.want)
		}
	}
	// "All other codes | UNKNOWN", 200 included.
	for _, status := range []int{0, 100, 200, 204, 301, 405, 415, 500, 505, 599, -1} {
		if got := CodeFromHTTPStatus(status); got != Unknown {
			t.Errorf("CodeFromHTTPStatus(%d) = %v, want UNKNOWN", status, got)
		}
	}
}
