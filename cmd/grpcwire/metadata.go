package main

import (
	"fmt"
	"strings"

	"grpcwire/wire"
)

// parseHeaders turns the -H flags into the metadata every call sends. The
// checks run before anything is sent, so a mistake is named on the command
// line instead of failing the call.
func parseHeaders(hs []string) (wire.Metadata, error) {
	md := wire.Metadata{}
	for _, h := range hs {
		key, value, err := parseHeader(h)
		if err != nil {
			return nil, err
		}
		md.Append(key, value)
	}
	return md, nil
}

// parseHeader parses one -H value, "key: value", as a person types an HTTP
// header: the key is lower-cased (HTTP/2 header names are lower case), the
// spaces around the value are dropped, and the value of a "-bin" key is
// base64, padded or not, and stands for the bytes it decodes to.
func parseHeader(h string) (key, value string, err error) {
	// A pseudo-header (":path: /x") starts with the separator; its name
	// ends at the second colon, so that it is named and refused below.
	pseudo := strings.HasPrefix(strings.TrimSpace(h), ":")
	k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(h), ":"), ":")
	if pseudo {
		k = ":" + k
	}
	if !ok {
		return "", "", fmt.Errorf("-H %q: want 'key: value'", h)
	}
	key = strings.ToLower(strings.TrimSpace(k))
	value = strings.Trim(v, " \t")
	if key == "" {
		return "", "", fmt.Errorf("-H %q: the key is empty; want 'key: value'", h)
	}
	if wire.IsReservedHeader(key) {
		return "", "", fmt.Errorf("-H %q: %s is a field of the protocol, which the client writes itself; it cannot be sent as metadata", h, key)
	}
	if err := wire.ValidateKey(key); err != nil {
		return "", "", fmt.Errorf("-H %q: %v", h, err)
	}
	if wire.IsBinaryKey(key) {
		b, err := wire.DecodeBinary(value)
		if err != nil {
			return "", "", fmt.Errorf("-H %q: the value of a -bin key is base64: %v", h, err)
		}
		return key, string(b), nil
	}
	if err := wire.ValidateValue(key, value); err != nil {
		return "", "", fmt.Errorf("-H %q: %v", h, err)
	}
	return key, value, nil
}
