package wire

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// statusBytes builds a google.rpc.Status independently of the code under
// test, with the well-known Any type's own marshaller.
func statusBytes(t *testing.T, code int32, msg string, details ...*anypb.Any) []byte {
	t.Helper()
	var b []byte
	if code != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(code)))
	}
	if msg != "" {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, msg)
	}
	for _, d := range details {
		db, err := proto.MarshalOptions{Deterministic: true}.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, db)
	}
	return b
}

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMarshalStatusDetails(t *testing.T) {
	a := mustAny(t, wrapperspb.String("why"))
	for _, tc := range []struct {
		name string
		st   *Status
		want []byte
	}{
		{"nil", nil, nil},
		{"OK empty", &Status{}, nil},
		{"code", &Status{Code: NotFound}, []byte{0x08, 0x05}},
		{"code and message", &Status{Code: NotFound, Message: "no"}, []byte{0x08, 0x05, 0x12, 0x02, 'n', 'o'}},
		{"details", &Status{Code: InvalidArgument, Message: "bad", Details: []*anypb.Any{a, nil}}, statusBytes(t, 3, "bad", a)},
		{"code above MaxInt32", &Status{Code: 0xFFFFFFFF}, statusBytes(t, -1, "")},
		{"invalid UTF-8 replaced", &Status{Code: Internal, Message: "a\xffb"}, statusBytes(t, 13, "a\uFFFDb")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MarshalStatusDetails(tc.st); !bytes.Equal(got, tc.want) {
				t.Errorf("MarshalStatusDetails = %x, want %x", got, tc.want)
			}
		})
	}
}

func TestUnmarshalStatusDetails(t *testing.T) {
	a := mustAny(t, wrapperspb.String("why"))
	withUnknown := append(statusBytes(t, 5, "x", a), 0x20, 0x01) // field 4 varint: unknown, skipped
	code, msg, details, err := UnmarshalStatusDetails(withUnknown)
	if err != nil || code != NotFound || msg != "x" || len(details) != 1 || !proto.Equal(details[0], a) {
		t.Errorf("UnmarshalStatusDetails = %v, %q, %v, %v", code, msg, details, err)
	}
	// Last value wins for the scalar fields, as protobuf parsers do.
	b := append(statusBytes(t, 5, "first"), statusBytes(t, 7, "second")...)
	if code, msg, _, err := UnmarshalStatusDetails(b); err != nil || code != PermissionDenied || msg != "second" {
		t.Errorf("repeated scalars: %v, %q, %v", code, msg, err)
	}
	// A wrong wire type for a known field is an unknown field.
	b = []byte{0x0a, 0x01, 'x', 0x08, 0x03}
	if code, _, _, err := UnmarshalStatusDetails(b); err != nil || code != InvalidArgument {
		t.Errorf("wrong wire type: %v, %v", code, err)
	}
	// Negative int32 codes come back as the same bits.
	if code, _, _, err := UnmarshalStatusDetails(statusBytes(t, -1, "")); err != nil || code != 0xFFFFFFFF {
		t.Errorf("negative code: %v, %v", code, err)
	}
	// Empty is OK.
	if code, msg, details, err := UnmarshalStatusDetails(nil); err != nil || code != OK || msg != "" || details != nil {
		t.Errorf("empty: %v %q %v %v", code, msg, details, err)
	}
	// Any with unknown fields keeps them.
	anyBytes := []byte{0x0a, 0x01, 'u', 0x12, 0x01, 0x07, 0x18, 0x09}
	b = protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), anyBytes)
	_, _, details, err = UnmarshalStatusDetails(b)
	if err != nil || len(details) != 1 || details[0].TypeUrl != "u" || !bytes.Equal(details[0].Value, []byte{7}) ||
		!bytes.Equal(details[0].ProtoReflect().GetUnknown(), []byte{0x18, 0x09}) {
		t.Fatalf("Any with unknown field: %v, %v", details, err)
	}
	if again := MarshalStatusDetails(&Status{Details: details}); !bytes.Equal(again, b) {
		t.Errorf("re-marshal of Any with unknown field = %x, want %x", again, b)
	}
}

func TestUnmarshalStatusDetailsRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"truncated tag":      {0x80},
		"truncated varint":   {0x08, 0x80},
		"truncated message":  {0x12, 0x05, 'a'},
		"field number zero":  {0x00, 0x01},
		"bad wire type":      {0x0f},
		"broken detail":      {0x1a, 0x02, 0x0a, 0x05},
		"unterminated group": {0x23},
		"plain text":         []byte("not a proto"),
	} {
		if code, msg, d, err := UnmarshalStatusDetails(b); err == nil {
			t.Errorf("%s: UnmarshalStatusDetails(%x) = %v, %q, %v, nil; want an error", name, b, code, msg, d)
		} else if !strings.Contains(err.Error(), "google.rpc.Status") {
			t.Errorf("%s: error %q does not say what was expected", name, err)
		}
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestStatusFromTrailer walks the rules of StatusFromTrailer, including the
// one the spec leaves open: details contradicting grpc-status.
func TestStatusFromTrailer(t *testing.T) {
	a := mustAny(t, wrapperspb.String("why"))
	match := statusBytes(t, 5, "details message", a)
	for _, tc := range []struct {
		name                    string
		status, message, detail string
		haveDetails             bool
		wantCode                Code
		wantMsg                 string // substring
		wantDetails             int
		wantRemote              bool
	}{
		{"OK", "0", "", "", false, OK, "", 0, true},
		{"code and message", "5", "no%20such%20user", "", false, NotFound, "no such user", 0, true},
		{"unknown code kept", "17", "x", "", false, 17, "x", 0, true},
		{"missing grpc-status", "", "lost", "", false, Unknown, "no grpc-status: lost", 0, false},
		{"malformed grpc-status", "01", "m", "", false, Unknown, `malformed grpc-status "01"`, 0, false},
		{"grpc-status too big", "4294967296", "", "", false, Unknown, "malformed", 0, false},
		{"grpc-status 2 is well-formed", "2", "x", "", false, Unknown, "x", 0, true},
		{"details matching, padded", "5", "header message", b64(match), true, NotFound, "details message", 1, true},
		{"details matching, unpadded", "5", "header message", EncodeBinary(match), true, NotFound, "details message", 1, true},
		{"details without message keep grpc-message", "5", "header message", EncodeBinary(statusBytes(t, 5, "", a)), true, NotFound, "header message", 1, true},
		{"details contradicting", "5", "nope", EncodeBinary(statusBytes(t, 3, "other", a)), true, Internal, `grpc-status-details-bin says INVALID_ARGUMENT but its grpc-status says NOT_FOUND (grpc-message "nope")`, 0, false},
		{"empty details mean code OK, contradicting", "5", "", "", true, Internal, "says OK but", 0, false},
		{"empty details with OK", "0", "", "", true, OK, "", 0, true},
		{"details not base64: ignored", "5", "m", "!!!", true, NotFound, "m", 0, true},
		{"details not protobuf: ignored", "5", "m", EncodeBinary([]byte{0x12, 0x09}), true, NotFound, "m", 0, true},
		{"details present but haveDetails false", "5", "m", EncodeBinary(statusBytes(t, 3, "x")), false, NotFound, "m", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := StatusFromTrailer(tc.status, tc.message, tc.detail, tc.haveDetails)
			if st.Code != tc.wantCode || !strings.Contains(st.Message, tc.wantMsg) ||
				len(st.Details) != tc.wantDetails || st.Remote != tc.wantRemote {
				t.Errorf("StatusFromTrailer(%q, %q, %q, %v) = %+v; want code %v, message containing %q, %d details, remote %v",
					tc.status, tc.message, tc.detail, tc.haveDetails, st, tc.wantCode, tc.wantMsg, tc.wantDetails, tc.wantRemote)
			}
		})
	}
}

// TestStatusDetailsRoundTrip encodes, base64s and decodes a status the way a
// server and a client do.
func TestStatusDetailsRoundTrip(t *testing.T) {
	st, err := NewStatus(FailedPrecondition, "ünïcode ☺").WithDetails(wrapperspb.String("a"), wrapperspb.Int32(-4))
	if err != nil {
		t.Fatal(err)
	}
	got := StatusFromTrailer("9", EncodeMessage(st.Message), EncodeBinary(MarshalStatusDetails(st)), true)
	if got.Code != st.Code || got.Message != st.Message || !got.Remote || len(got.Details) != 2 {
		t.Fatalf("round trip = %+v", got)
	}
	for i := range st.Details {
		if !proto.Equal(got.Details[i], st.Details[i]) {
			t.Errorf("detail %d = %v, want %v", i, got.Details[i], st.Details[i])
		}
	}
}
