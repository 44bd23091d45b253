package wire_test

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/wire"
)

func ExampleStatusOf() {
	err := fmt.Errorf("loading user: %w", wire.Errorf(wire.NotFound, "no user %q", "ann"))
	st := wire.StatusOf(err)
	fmt.Println(st.Code, st.Message)
	fmt.Println(errors.Is(err, &wire.Status{Code: wire.NotFound}))
	fmt.Println(wire.CodeOf(errors.New("boom")))
	// Output:
	// NOT_FOUND no user "ann"
	// true
	// UNKNOWN
}

func ExampleEncodeTimeout() {
	for _, d := range []time.Duration{time.Nanosecond, 100 * time.Millisecond, 1500 * time.Millisecond, 30 * time.Hour} {
		fmt.Println(wire.EncodeTimeout(d))
	}
	d, err := wire.ParseTimeout("1S")
	fmt.Println(d, err)
	_, err = wire.ParseTimeout("123456789S")
	fmt.Println(err)
	// Output:
	// 1n
	// 100000u
	// 1500000u
	// 108000S
	// 1s <nil>
	// grpc status INTERNAL: malformed grpc-timeout "123456789S": the value has more than 8 digits
}

func ExampleEncodeMessage() {
	enc := wire.EncodeMessage("100% ☺")
	fmt.Println(enc)
	fmt.Println(wire.DecodeMessage(enc))
	fmt.Println(wire.DecodeMessage("broken %zz and %4"))
	// Output:
	// 100%25 %E2%98%BA
	// 100% ☺
	// broken %zz and %4
}

func ExampleMetadata() {
	md := wire.NewMetadata("authorization", "Bearer t0ken", "trace-bin", "\x00\x01\x02")
	fields, err := wire.AppendHeaderFields(nil, md)
	fmt.Println(fields, err)
	fmt.Println(md) // values redacted

	in := wire.Metadata{}
	_ = in.AddHeaderField("trace-bin", "AAEC,AwQ")
	_ = in.AddHeaderField("grpc-timeout", "1S") // reserved: not metadata
	fmt.Println(in.Format(false))
	// Output:
	// [header field "authorization" = "Bearer t0ken" header field "trace-bin" = "AAEC"] <nil>
	// {authorization: <1 value redacted>, trace-bin: <1 value redacted>}
	// {trace-bin: [AAEC, AwQ]}
}

func ExampleStatusFromTrailer() {
	st, _ := wire.NewStatus(wire.InvalidArgument, "bad name").WithDetails(wrapperspb.String("name"))
	// A server sends these three trailer fields...
	status, message, details := "3", wire.EncodeMessage(st.Message), wire.EncodeBinary(wire.MarshalStatusDetails(st))
	// ...and a client turns them back into a status.
	got := wire.StatusFromTrailer(status, message, details, true)
	fmt.Println(got, len(got.Details))
	// Output:
	// grpc status INVALID_ARGUMENT (from peer): bad name 1
}

func ExampleParseContentType() {
	for _, v := range []string{"application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8", "application/json"} {
		sub, ok := wire.ParseContentType(v)
		fmt.Printf("%q %v\n", sub, ok)
	}
	// Output:
	// "" true
	// "proto" true
	// "" true
	// "" false
}

func ExampleCodeFromHTTPStatus() {
	fmt.Println(wire.CodeFromHTTPStatus(503), wire.CodeFromHTTPStatus(200))
	// Output: UNAVAILABLE UNKNOWN
}
