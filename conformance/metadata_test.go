package conformance

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echoserver"
)

// echoMetadata is request metadata the server sends back: ASCII values
// with commas and spaces (which must not be split or trimmed: only -bin
// values are split on commas), several values under one key, and binary
// values holding every awkward byte, commas included, and the empty value.
var echoMetadata = map[string][]string{
	echoserver.EchoHeaderPrefix:                {"plain", "a, b ,c", "x y  z"},
	echoserver.EchoHeaderPrefix + "-comma":     {"1,2,3"},
	echoserver.EchoHeaderPrefix + "-bin":       {"\x00\x01\x02,\xff\xfe", "", "bin,with,commas"},
	echoserver.EchoTrailerPrefix:               {"trailer value, with a comma", "second"},
	echoserver.EchoTrailerPrefix + "-bin":      {"\xde\xad\xbe\xef\x00", "☺😈"},
	echoserver.EchoTrailerPrefix + "-long":     {strings.Repeat("long value ", 200)},
	echoserver.EchoTrailerPrefix + "-long-bin": {strings.Repeat("\x00\x80\xff", 500)},
}

// echoed returns the part of echoMetadata the server echoes with prefix.
func echoed(prefix string) map[string][]string {
	out := map[string][]string{}
	for k, v := range echoMetadata {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// onlyEcho keeps the x-echo- keys of received metadata: both libraries add
// their own fields (content-type, user-agent) that are not under test.
func onlyEcho(md map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range md {
		if strings.HasPrefix(k, "x-echo-") {
			out[k] = v
		}
	}
	return out
}

// TestMetadataEcho sends metadata on every call kind and checks that the
// server saw exactly the keys and values sent (it echoes them), and that the
// client sees the headers in the response headers and the trailers in the
// trailers.
func TestMetadataEcho(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				out := call(callContext(t), p.client, k, callOpts{md: echoMetadata}, &echopb.EchoRequest{ResponseCount: 1})
				if out.code != 0 {
					t.Fatalf("call failed: %v", out)
				}
				checkMetadata(t, "response headers", out.header, echoed(echoserver.EchoHeaderPrefix))
				checkMetadata(t, "trailers", out.trailer, echoed(echoserver.EchoTrailerPrefix))
			})
		}
	})
}

// TestMetadataWithError checks where echoed metadata lands when the server
// ends the call with an error. Headers set before any message are sent as
// response headers even when no message follows: grpc-go then writes a
// HEADERS frame of its own before the trailers rather than a Trailers-Only
// response, so that the headers stay headers; trailers stay trailers.
func TestMetadataWithError(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		for _, k := range callKinds {
			t.Run(k.String(), func(t *testing.T) {
				// Bidi answers before it fails, so its headers go with the
				// first message and its status is never Trailers-Only.
				req := &echopb.EchoRequest{Status: &echopb.ResponseStatus{Code: 9, Message: "failed precondition"}}
				out := call(callContext(t), p.client, k, callOpts{md: echoMetadata}, req)
				if out.code != 9 {
					t.Fatalf("got %v, want code 9", out)
				}
				checkMetadata(t, "trailers", out.trailer, echoed(echoserver.EchoTrailerPrefix))
				checkMetadata(t, "response headers", out.header, echoed(echoserver.EchoHeaderPrefix))
			})
		}
	})
}

// TestMetadataWireForm checks the form binary metadata takes on the wire:
// base64 without padding, as grpc-go sends it (PROTOCOL-HTTP2.md:
// "Implementations MUST accept padded and un-padded values and should emit
// un-padded values"), one header field per value, in both directions.
func TestMetadataWireForm(t *testing.T) {
	forEachDirection(t, serverConfig{}, func(t *testing.T, p *pair) {
		out := p.client.unary(callContext(t), callOpts{md: echoMetadata}, &echopb.EchoRequest{})
		if out.code != 0 {
			t.Fatalf("call failed: %v", out)
		}
		for _, side := range []struct {
			name    string
			traffic wireTraffic
			keys    []string
		}{
			{"request", p.tap.requests(), slices.Collect(maps.Keys(echoMetadata))},
			{"response", p.tap.responses(), slices.Collect(maps.Keys(echoMetadata))},
		} {
			seen := map[string]int{}
			for _, h := range side.traffic.headers {
				for _, f := range h.fields {
					if !strings.HasPrefix(f.Name, "x-echo-") {
						continue
					}
					seen[f.Name]++
					if strings.HasSuffix(f.Name, "-bin") && strings.Contains(f.Value, "=") {
						t.Errorf("%s field %s: %q is padded base64; emit unpadded", side.name, f.Name, f.Value)
					}
				}
			}
			for _, k := range side.keys {
				if seen[k] != len(echoMetadata[k]) {
					t.Errorf("%s: %d header field(s) named %s on the wire, want one per value (%d)", side.name, seen[k], k, len(echoMetadata[k]))
				}
			}
		}
	})
}

func checkMetadata(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	got = onlyEcho(got)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: %s = %s, want %s", what, k, shortValues(got[k]), shortValues(v))
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: unexpected %s = %s", what, k, shortValues(v))
			}
		}
	}
}

// shortValues quotes metadata values for a failure message, each cut to a
// readable length.
func shortValues(vs []string) string {
	const keep = 40
	out := make([]string, len(vs))
	for i, v := range vs {
		if len(v) > keep {
			out[i] = fmt.Sprintf("%q...(%d bytes)", v[:keep], len(v))
		} else {
			out[i] = fmt.Sprintf("%q", v)
		}
	}
	return "[" + strings.Join(out, " ") + "]"
}
