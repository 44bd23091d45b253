package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"grpcwire/client"
	"grpcwire/wire"
)

// statusLine formats a status as "code NAME: message", the number a
// program sees and the name doc/statuscodes.md gives it ("3
// INVALID_ARGUMENT: username is required"); without a message, "code NAME".
func statusLine(st *wire.Status) string {
	line := fmt.Sprintf("%d %s", uint32(st.Code), st.Code)
	if st.Message != "" {
		line += ": " + st.Message
	}
	return line
}

// printStatus writes the final status of a call, then one line per detail
// of grpc-status-details-bin: "detail TYPE: JSON". A detail whose type
// neither the loaded descriptors nor the server's reflection know is shown
// by its type URL and its bytes in base64.
func printStatus(w io.Writer, st *wire.Status, resolver *typeResolver) {
	fmt.Fprintln(w, statusLine(st))
	for _, d := range st.Details {
		fmt.Fprintln(w, detailLine(d, resolver))
	}
}

// detailLine formats one status detail.
func detailLine(d *anypb.Any, resolver *typeResolver) string {
	url := d.GetTypeUrl()
	name := url[strings.LastIndexByte(url, '/')+1:]
	if resolver != nil {
		if mt, err := resolver.FindMessageByURL(url); err == nil {
			m := mt.New().Interface()
			if err := (proto.UnmarshalOptions{Resolver: resolver}).Unmarshal(d.GetValue(), m); err == nil {
				if js, err := compactJSON(m, resolver); err == nil {
					return "detail " + name + ": " + js
				}
			}
		}
	}
	return fmt.Sprintf("detail %s (type unknown, %d bytes): %s", url, len(d.GetValue()), wire.EncodeBinary(d.GetValue()))
}

// exitCodeOf is the exit code a failed call gives: 2 when no connection
// could be made (nothing was asked of the server), else 1. A status that a
// proxy synthesized (nginx's 502 becomes UNAVAILABLE) or a connection lost
// during the call is the call's result: 1.
func exitCodeOf(st *wire.Status) int {
	if client.ConnectErrorOf(st) != nil {
		return exitUsage
	}
	return exitStatus
}

// printMetadata writes response headers or trailers for -v, one
// "what key: value" line each, keys sorted; binary values in unpadded
// base64, as they travel.
func printMetadata(w io.Writer, what string, md wire.Metadata) {
	for _, k := range slices.Sorted(maps.Keys(md)) {
		for _, v := range md[k] {
			if wire.IsBinaryKey(k) {
				v = wire.EncodeBinary([]byte(v))
			}
			fmt.Fprintf(w, "%s %s: %s\n", what, k, v)
		}
	}
}
