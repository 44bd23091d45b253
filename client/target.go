package client

import (
	"fmt"
	"net"
	"strings"
)

// Target names, grpc/grpc doc/naming.md, "Name Syntax":
//
// "A fully qualified, self contained name used for gRPC channel construction
// uses URI syntax as defined in RFC 3986. The URI scheme indicates what
// resolver plugin to use. [...] The URI path indicates the name to be
// resolved."
//
//	dns:[//authority/]host[:port]        DNS; port 443 when not given
//	unix:path, unix:///absolute_path     a Unix domain socket
//	unix-abstract:abstract_path          a socket in Linux's abstract namespace
//	ipv4:address[:port][,address[:port],...]
//	ipv6:address[:port][,address[:port],...]  ([addr]:port with a port)
//	passthrough:///address               the address as given, to the dialer
//
// naming.md goes on: "If no scheme prefix is specified or the scheme is
// unknown, the dns scheme is used by default." Here a target without a known
// scheme is passed through to the dialer as it is, as grpc-go's grpc.Dial
// does and as this client always did: "localhost:50051" dials
// localhost:50051, and the dialer (net.Dialer) tries each of the name's
// addresses in turn. "dns:///localhost:50051" resolves the name instead, and
// balances over every address it has.

// Target is a parsed target name: the scheme that picks the resolver, the
// optional authority (for dns, the DNS server to ask), and the endpoint the
// resolver resolves.
type Target struct {
	// Scheme is the resolver's scheme, lower case: "dns", "unix", "ipv4",
	// or "passthrough" for a target that names no known scheme.
	Scheme string
	// Authority is what comes between "//" and the next "/"; "" for
	// "dns:///host" and "dns:host".
	Authority string
	// Endpoint is the name to resolve: "host:port" for dns and
	// passthrough, the socket path for unix ("/abs/path" or
	// "relative/path"), the name for unix-abstract, the address list for
	// ipv4 and ipv6.
	Endpoint string
	// Raw is the target as given.
	Raw string
}

// String returns the target as given to Dial.
func (t Target) String() string { return t.Raw }

// Resolver schemes built in.
const (
	schemeDNS          = "dns"
	schemePassthrough  = "passthrough"
	schemeUnix         = "unix"
	schemeUnixAbstract = "unix-abstract"
	schemeIPv4         = "ipv4"
	schemeIPv6         = "ipv6"
)

// parseTarget splits target into scheme, authority and endpoint. known says
// whether a scheme has a resolver; a target whose scheme is not known
// (including "localhost:50051", whose "scheme" would be localhost) is a
// passthrough target with the whole string as endpoint.
func parseTarget(target string, known func(scheme string) bool) (Target, error) {
	t := Target{Scheme: schemePassthrough, Endpoint: target, Raw: target}
	i := strings.IndexByte(target, ':')
	if i <= 0 || !validScheme(target[:i]) {
		return t, nil
	}
	scheme := strings.ToLower(target[:i])
	if !known(scheme) {
		return t, nil
	}
	t.Scheme = scheme
	rest := target[i+1:]
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		j := strings.IndexByte(after, '/')
		if j < 0 {
			if scheme == schemeDNS {
				return t, fmt.Errorf("target %q names a DNS server (%s) but no host to resolve; did you mean %q?", target, after, "dns:///"+after)
			}
			return t, fmt.Errorf("target %q has an authority (%s) but no endpoint after it; did you mean %q?", target, after, scheme+":///"+after)
		}
		t.Authority = after[:j]
		t.Endpoint = after[j+1:]
		if scheme == schemeUnix {
			// "unix://absolute_path": "there will actually be three
			// slashes, two prior to the path and another to begin the
			// absolute path" (naming.md).
			t.Endpoint = after[j:]
		}
	} else {
		t.Endpoint = rest
	}
	if strings.IndexByte(t.Endpoint, 0) >= 0 {
		return t, fmt.Errorf("target %q holds a NUL byte", target)
	}
	return t, nil
}

// validScheme reports whether s is an RFC 3986 scheme: "scheme = ALPHA *(
// ALPHA / DIGIT / "+" / "-" / "." )".
func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// defaultAuthority is the :authority of calls to t when neither
// WithAuthority nor tls.Config.ServerName sets one. The endpoint,
// percent-encoded as an RFC 3986 authority, as C-core's default ("By default,
// we %-encode the path part of the target URI, excluding the initial '/'
// character") and grpc-go do; "localhost" for unix sockets, which have no
// host name, as both do; and "localhost:port" for an endpoint that is only
// ":port", as grpc-go does (which also prefixes a bare IPv6 address such as
// "::1"; this does not). A plugged-in Resolver may choose its own by
// implementing AuthorityResolver.
func defaultAuthority(t Target, r Resolver) string {
	if ar, ok := r.(AuthorityResolver); ok {
		return ar.Authority(t)
	}
	switch t.Scheme {
	case schemeUnix, schemeUnixAbstract:
		return "localhost"
	}
	if host, _, err := net.SplitHostPort(t.Endpoint); err == nil && host == "" {
		return "localhost" + encodeAuthority(t.Endpoint)
	}
	return encodeAuthority(t.Endpoint)
}

// encodeAuthority percent-encodes the bytes RFC 3986 §3.2 does not allow in
// an authority: everything but unreserved characters, sub-delims, and the
// ":", "[", "]" and "@" of host, port and userinfo.
func encodeAuthority(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if authorityByte(c) {
			if b.Len() > 0 {
				b.WriteByte(c)
			}
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 8)
			b.WriteString(s[:i])
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// authorityByte reports whether c may appear as it is in an authority.
func authorityByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:[]@", c) >= 0
}
