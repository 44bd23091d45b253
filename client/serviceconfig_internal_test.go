package client

import (
	"strings"
	"testing"
	"time"
)

// TestParseDuration walks google.protobuf.Duration's JSON form: seconds
// with up to nine decimals and an "s".
func TestParseDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "1s", want: time.Second},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "0.000000001s", want: 1},
		{in: ".5s", want: 500 * time.Millisecond},
		{in: "1.s", want: time.Second},
		{in: "-2s", want: -2 * time.Second},
		{in: "0s", want: 0},
		{in: "315576000000s", want: time.Duration(1<<63 - 1)},
		{in: "1", bad: true},
		{in: "s", bad: true},
		{in: ".s", bad: true},
		{in: "1.0000000001s", bad: true},
		{in: "315576000001s", bad: true},
		{in: "+1s", bad: true},
		{in: "1.+5s", bad: true},
		{in: "--1s", bad: true},
		{in: "1ms", bad: true},
		{in: " 1s", bad: true},
		{in: "1e3s", bad: true},
	} {
		got, err := parseDuration(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseDuration(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestParseServiceConfig walks the fields read and the rules of
// serviceconfig.go.
func TestParseServiceConfig(t *testing.T) {
	sec := func(n int) *time.Duration { d := time.Duration(n) * time.Second; return &d }
	yes := true
	for _, tt := range []struct {
		name    string
		js      string
		policy  string
		shuffle bool
		health  *string
		methods map[string]*methodConfig
		err     string
	}{
		{name: "empty", js: "", policy: policyPickFirst},
		{name: "empty object", js: "{}", policy: policyPickFirst},
		{name: "round_robin", js: `{"loadBalancingConfig": [{"round_robin": {}}]}`, policy: policyRoundRobin},
		{name: "first known policy", js: `{"loadBalancingConfig": [{"grpclb": {}}, {"round_robin": {}}, {"pick_first": {}}]}`, policy: policyRoundRobin},
		{name: "pick_first shuffles", js: `{"loadBalancingConfig": [{"pick_first": {"shuffleAddressList": true}}]}`, policy: policyPickFirst, shuffle: true},
		{name: "no known policy", js: `{"loadBalancingConfig": [{"grpclb": {}}]}`, err: "names no policy this client has (grpclb)"},
		{name: "empty policy list", js: `{"loadBalancingConfig": []}`, err: "names no policy"},
		{name: "two policies in one entry", js: `{"loadBalancingConfig": [{"round_robin": {}, "pick_first": {}}]}`, err: "has 2 policies"},
		{name: "policy list not a list", js: `{"loadBalancingConfig": {"round_robin": {}}}`, err: "not a list"},
		{name: "bad pick_first config", js: `{"loadBalancingConfig": [{"pick_first": {"shuffleAddressList": "yes"}}]}`, err: "pick_first's config"},
		{name: "deprecated policy field", js: `{"loadBalancingPolicy": "ROUND_ROBIN"}`, policy: policyRoundRobin},
		{name: "unknown deprecated policy", js: `{"loadBalancingPolicy": "grpclb"}`, policy: policyPickFirst},
		{name: "config wins over the deprecated field", js: `{"loadBalancingPolicy": "round_robin", "loadBalancingConfig": [{"pick_first": {}}]}`, policy: policyPickFirst},
		{name: "health", js: `{"healthCheckConfig": {"serviceName": "users.Users"}}`, policy: policyPickFirst, health: ptr("users.Users")},
		{name: "health of the whole server", js: `{"healthCheckConfig": {}}`, policy: policyPickFirst, health: ptr("")},
		{
			name:   "method config",
			js:     `{"methodConfig": [{"name": [{"service": "s", "method": "m"}, {"service": "t"}], "timeout": "2s", "waitForReady": true}, {"name": [{}], "timeout": "9s"}]}`,
			policy: policyPickFirst,
			methods: map[string]*methodConfig{
				"/s/m": {timeout: sec(2), waitForReady: &yes},
				"/t/":  {timeout: sec(2), waitForReady: &yes},
				"":     {timeout: sec(9)},
			},
		},
		{name: "negative timeout ignored", js: `{"methodConfig": [{"name": [{}], "timeout": "-1s"}]}`, policy: policyPickFirst, methods: map[string]*methodConfig{"": {}}},
		{name: "unknown fields ignored", js: `{"retryThrottling": {"maxTokens": 10}, "methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 3}, "maxRequestMessageBytes": 5}], "future": [1, 2]}`, policy: policyPickFirst, methods: map[string]*methodConfig{"": {}}},
		{name: "method without service", js: `{"methodConfig": [{"name": [{"method": "m"}]}]}`, err: "has no service"},
		{name: "duplicate name", js: `{"methodConfig": [{"name": [{"service": "s"}]}, {"name": [{"service": "s"}]}]}`, err: "named twice"},
		{name: "bad timeout", js: `{"methodConfig": [{"name": [{}], "timeout": "2"}]}`, err: `methodConfig[0].timeout: duration "2"`},
		{name: "timeout not a string", js: `{"methodConfig": [{"name": [{}], "timeout": 2}]}`, err: "not valid JSON"},
		{name: "not JSON", js: `{"loadBalancingConfig": [`, err: "not valid JSON"},
		{name: "two values", js: `{} {}`, err: "more than one JSON value"},
		{name: "not an object", js: `[1]`, err: "not valid JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := parseServiceConfig(tt.js)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sc.policy != tt.policy || sc.shuffle != tt.shuffle {
				t.Errorf("policy %q shuffle %v, want %q %v", sc.policy, sc.shuffle, tt.policy, tt.shuffle)
			}
			if (sc.healthService == nil) != (tt.health == nil) || sc.healthService != nil && *sc.healthService != *tt.health {
				t.Errorf("health service %v, want %v", sc.healthService, tt.health)
			}
			if len(sc.methods) != len(tt.methods) {
				t.Errorf("%d method configs, want %d", len(sc.methods), len(tt.methods))
			}
			for k, want := range tt.methods {
				got := sc.methods[k]
				if got == nil || !eqDur(got.timeout, want.timeout) || !eqBool(got.waitForReady, want.waitForReady) {
					t.Errorf("method config %q = %+v, want %+v", k, got, want)
				}
			}
		})
	}
}

// TestMethodConfigLookup: a method's own entry, else its service's, else
// the default.
func TestMethodConfigLookup(t *testing.T) {
	sc, err := parseServiceConfig(`{"methodConfig": [
		{"name": [{"service": "pkg.S", "method": "M"}], "timeout": "1s"},
		{"name": [{"service": "pkg.S"}], "timeout": "2s"},
		{"name": [{}], "timeout": "3s"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	for method, want := range map[string]time.Duration{
		"/pkg.S/M": time.Second, "/pkg.S/N": 2 * time.Second, "/pkg.T/M": 3 * time.Second,
	} {
		if mc := sc.forMethod(method); mc == nil || *mc.timeout != want {
			t.Errorf("forMethod(%q) = %+v, want timeout %v", method, mc, want)
		}
	}
	none, _ := parseServiceConfig(`{"methodConfig": [{"name": [{"service": "pkg.S"}], "timeout": "2s"}]}`)
	if mc := none.forMethod("/pkg.T/M"); mc != nil {
		t.Errorf("forMethod of another service = %+v, want nil", mc)
	}
}

func ptr[T any](v T) *T { return &v }

func eqDur(a, b *time.Duration) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func eqBool(a, b *bool) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
