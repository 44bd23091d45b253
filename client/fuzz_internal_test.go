package client

import (
	"net"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseTarget feeds the target parser and the built-in resolvers'
// address parsers arbitrary strings. Nothing may panic; a target that
// parses keeps its text; every address a static resolver makes is
// host:port for TCP or a non-empty path for a Unix socket; and the
// :authority derived is a legal header value made only of RFC 3986
// authority bytes or percent escapes.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"localhost:50051", ":50051", "dns:///backends.example:50051", "dns://8.8.8.8/a.example",
		"dns:host:1", "dns://a", "unix:/run/a.sock", "unix:///run/a.sock", "unix://x/y",
		"unix-abstract:name", "ipv4:127.0.0.1:1,127.0.0.2", "ipv6:[::1]:1,::1", "ipv6:[fe80::1%eth0]:1",
		"passthrough:///a b:1", "PASSTHROUGH:x:1", "1dns:x", "dns:", "ipv4:,", "\x00:1", "a%zz:1",
	} {
		f.Add(s)
	}
	resolvers := builtinResolvers()
	known := func(s string) bool { return resolvers[s] != nil }
	f.Fuzz(func(t *testing.T, target string) {
		tgt, err := parseTarget(target, known)
		if err != nil {
			return
		}
		if tgt.Raw != target || tgt.String() != target {
			t.Fatalf("parseTarget(%q).Raw = %q", target, tgt.Raw)
		}
		r := resolvers[tgt.Scheme]
		if r == nil {
			t.Fatalf("parseTarget(%q) chose scheme %q, which has no resolver", target, tgt.Scheme)
		}
		if ck, ok := r.(checker); ok && ck.check(tgt) != nil {
			return
		}
		auth := defaultAuthority(tgt, r)
		for i := 0; i < len(auth); i++ {
			if c := auth[i]; c != '%' && !authorityByte(c) {
				t.Fatalf("authority %q of %q holds %q", auth, target, c)
			}
		}
		if sr, ok := r.(*staticResolver); ok {
			addrs, err := sr.addrs(tgt)
			if err != nil {
				t.Fatalf("check passed but addrs failed for %q: %v", target, err)
			}
			if len(addrs) == 0 {
				t.Fatalf("no address for %q", target)
			}
			for _, a := range addrs {
				switch a.Network {
				case "tcp":
					if _, _, err := net.SplitHostPort(a.Addr); err != nil {
						t.Fatalf("%q resolved to %q, not host:port: %v", target, a.Addr, err)
					}
				case "unix":
					if a.Addr == "" || a.Addr == "@" {
						t.Fatalf("%q resolved to an empty socket path", target)
					}
				default:
					t.Fatalf("%q resolved to network %q", target, a.Network)
				}
			}
		}
		if tgt.Scheme == schemeDNS {
			host, port, err := dnsHostPort(tgt)
			if err != nil || host == "" || checkPort(port) != nil {
				t.Fatalf("dns target %q passed check but splits into %q %q %v", target, host, port, err)
			}
		}
	})
}

// FuzzServiceConfig feeds the service config parser arbitrary JSON-ish
// text. Nothing may panic, and a config that parses has a policy this
// client has, method-config keys of grpc-go's forms ("", "/svc/",
// "/svc/method"), and no negative timeout.
func FuzzServiceConfig(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"loadBalancingConfig": [{"round_robin": {}}]}`,
		`{"loadBalancingConfig": [{"x": {}}, {"pick_first": {"shuffleAddressList": true}}]}`,
		`{"loadBalancingPolicy": "round_robin"}`,
		`{"methodConfig": [{"name": [{"service": "s", "method": "m"}, {}], "timeout": "1.5s", "waitForReady": true}]}`,
		`{"methodConfig": [{"name": [{"service": "s"}], "timeout": "-0.000000001s"}]}`,
		`{"healthCheckConfig": {"serviceName": "users.Users"}}`,
		`{"methodConfig": [{"name": [{"method": "m"}]}]}`, `[`, `{"loadBalancingConfig": [{"a": 1, "b": 2}]}`,
		`{"methodConfig": [{"name": [{}], "timeout": "315576000000.999999999s"}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, js string) {
		if len(js) > 1<<16 {
			return
		}
		sc, err := parseServiceConfig(js)
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.ValidString(js) {
				t.Fatalf("error text is not UTF-8: %q", err)
			}
			return
		}
		if sc.policy != policyPickFirst && sc.policy != policyRoundRobin {
			t.Fatalf("policy %q", sc.policy)
		}
		for k, mc := range sc.methods {
			if k != "" && (!strings.HasPrefix(k, "/") || strings.Count(k, "/") < 2) {
				t.Fatalf("method-config key %q", k)
			}
			if mc.timeout != nil && *mc.timeout < 0 {
				t.Fatalf("negative timeout %v kept", *mc.timeout)
			}
		}
		if mc := sc.forMethod("/s/m"); mc != nil && mc != sc.methods["/s/m"] && mc != sc.methods["/s/"] && mc != sc.methods[""] {
			t.Fatal("forMethod returned a config of another name")
		}
	})
}
