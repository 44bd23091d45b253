package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The service config, grpc/grpc doc/service_config.md: "The service config
// is a mechanism that allows service owners to publish parameters to be
// automatically used by all clients of their service." It is JSON, the
// proto3 JSON form of grpc.service_config.ServiceConfig; this client reads
// the fields below, with grpc-go's rules (its service_config.go) where the
// documents leave a choice:
//
//	loadBalancingConfig  [{"round_robin": {}}, ...]: the first policy this
//	                     client has (pick_first, round_robin) is used; a
//	                     list naming none of them is an error. Each entry
//	                     is an object with exactly one policy.
//	loadBalancingPolicy  "round_robin": the deprecated form, read when
//	                     loadBalancingConfig is absent; an unknown name
//	                     means pick_first.
//	methodConfig         [{"name": [{"service": "pkg.Svc", "method": "M"}],
//	                       "timeout": "1.5s", "waitForReady": true}]: a name
//	                     with service and method is one method, with only
//	                     service every method of that service, and {} (no
//	                     service, no method) every method; a method without
//	                     a service, or a name given twice, is an error.
//	healthCheckConfig    {"serviceName": "users.Users"}: client-side health
//	                     checking with that service name ("" for the whole
//	                     server), under round_robin (gRFC A17).
//
// pick_first's own config {"shuffleAddressList": true} shuffles the
// addresses of each resolution (gRFC A62). Everything else (retryPolicy,
// hedgingPolicy, retryThrottling, maxRequestMessageBytes,
// maxResponseMessageBytes, unknown fields) is ignored: grpc ignores fields it
// does not know, and this client does not implement those.

// serviceConfig is a parsed service config.
type serviceConfig struct {
	policy        string
	shuffle       bool                     // pick_first's shuffleAddressList
	methods       map[string]*methodConfig // by "/service/method", "/service/" and ""
	healthService *string                  // healthCheckConfig.serviceName; nil: no health checks
}

// methodConfig is what the service config says of a method.
type methodConfig struct {
	timeout      *time.Duration // the longest a call may take, from when it starts
	waitForReady *bool
}

// jsonServiceConfig is the JSON. encoding/json matches field names without
// regard to case, as in grpc-go; proto3 JSON's snake_case spellings are not
// read, as in grpc-go.
type jsonServiceConfig struct {
	LoadBalancingConfig *json.RawMessage
	LoadBalancingPolicy *string
	MethodConfig        []struct {
		Name         []jsonMethodName
		Timeout      *string
		WaitForReady *bool
	}
	HealthCheckConfig *struct {
		ServiceName string
	}
}

// jsonMethodName is one entry of methodConfig.name.
type jsonMethodName struct {
	Service string
	Method  string
}

// parseServiceConfig parses js; "" is the default config (pick_first, no
// method config, no health checks).
func parseServiceConfig(js string) (*serviceConfig, error) {
	sc := &serviceConfig{policy: policyPickFirst, methods: map[string]*methodConfig{}}
	if strings.TrimSpace(js) == "" {
		return sc, nil
	}
	var raw jsonServiceConfig
	dec := json.NewDecoder(strings.NewReader(js))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("the service config is not valid JSON of grpc's ServiceConfig: %w", err)
	}
	if dec.More() {
		return nil, errors.New("the service config has more than one JSON value")
	}
	switch {
	case raw.LoadBalancingConfig != nil:
		policy, shuffle, err := parseLBConfig(*raw.LoadBalancingConfig)
		if err != nil {
			return nil, err
		}
		sc.policy, sc.shuffle = policy, shuffle
	case raw.LoadBalancingPolicy != nil:
		if p := strings.ToLower(*raw.LoadBalancingPolicy); p == policyRoundRobin {
			sc.policy = p
		}
	}
	for i, mc := range raw.MethodConfig {
		cfg := &methodConfig{waitForReady: mc.WaitForReady}
		if mc.Timeout != nil {
			d, err := parseDuration(*mc.Timeout)
			if err != nil {
				return nil, fmt.Errorf("methodConfig[%d].timeout: %w", i, err)
			}
			if d >= 0 {
				// A negative timeout is ignored, as in grpc-go.
				cfg.timeout = &d
			}
		}
		for j, n := range mc.Name {
			path, err := n.path()
			if err != nil {
				return nil, fmt.Errorf("methodConfig[%d].name[%d]: %w", i, j, err)
			}
			if _, dup := sc.methods[path]; dup {
				return nil, fmt.Errorf("methodConfig[%d].name[%d]: %s is named twice", i, j, n)
			}
			sc.methods[path] = cfg
		}
	}
	if raw.HealthCheckConfig != nil {
		sc.healthService = &raw.HealthCheckConfig.ServiceName
	}
	return sc, nil
}

// parseLBConfig picks the first policy of loadBalancingConfig that this
// client has.
func parseLBConfig(raw json.RawMessage) (policy string, shuffle bool, err error) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", false, fmt.Errorf("loadBalancingConfig is not a list of {policy: config} objects: %w", err)
	}
	var names []string
	for i, entry := range list {
		if len(entry) != 1 {
			return "", false, fmt.Errorf("loadBalancingConfig[%d] has %d policies; each entry names exactly one", i, len(entry))
		}
		for name, cfg := range entry {
			names = append(names, name)
			switch name {
			case policyRoundRobin:
				return name, false, nil
			case policyPickFirst:
				var pf struct{ ShuffleAddressList bool }
				if len(bytes.TrimSpace(cfg)) > 0 {
					if err := json.Unmarshal(cfg, &pf); err != nil {
						return "", false, fmt.Errorf("loadBalancingConfig[%d]: pick_first's config: %w", i, err)
					}
				}
				return name, pf.ShuffleAddressList, nil
			}
		}
	}
	return "", false, fmt.Errorf("loadBalancingConfig names no policy this client has (%s); it has %s and %s", strings.Join(names, ", "), policyPickFirst, policyRoundRobin)
}

// path is the method-config key of a name, as grpc-go builds it.
func (n jsonMethodName) path() (string, error) {
	if n.Service == "" {
		if n.Method != "" {
			return "", fmt.Errorf("method %q has no service; a name with a method names its service too", n.Method)
		}
		return "", nil
	}
	return "/" + n.Service + "/" + n.Method, nil
}

// String names the entry as the JSON does.
func (n jsonMethodName) String() string {
	return fmt.Sprintf(`{"service": %q, "method": %q}`, n.Service, n.Method)
}

// forMethod is the config of a method, full name "/pkg.Service/Method": its
// own entry, else its service's, else the default; nil when none applies.
func (sc *serviceConfig) forMethod(method string) *methodConfig {
	if len(sc.methods) == 0 {
		return nil
	}
	if mc, ok := sc.methods[method]; ok {
		return mc
	}
	if i := strings.LastIndexByte(method, '/'); i > 0 {
		if mc, ok := sc.methods[method[:i+1]]; ok {
			return mc
		}
	}
	return sc.methods[""]
}

// parseDuration parses a google.protobuf.Duration in its JSON form: seconds
// with up to nine fractional digits and the suffix "s" ("1.5s", "0.000001s",
// "-2s"), within ±315,576,000,000 s.
func parseDuration(s string) (time.Duration, error) {
	num, ok := strings.CutSuffix(s, "s")
	if !ok {
		return 0, fmt.Errorf("duration %q does not end in \"s\" (seconds), as a google.protobuf.Duration does", s)
	}
	neg := false
	if rest, ok := strings.CutPrefix(num, "-"); ok {
		neg, num = true, rest
	}
	whole, frac, hasFrac := strings.Cut(num, ".")
	if whole == "" && frac == "" || strings.ContainsAny(whole, "+-") || len(frac) > 9 || hasFrac && strings.ContainsAny(frac, "+-") {
		return 0, fmt.Errorf("duration %q is not seconds with at most nine decimals", s)
	}
	var sec, ns int64
	var err error
	if whole != "" {
		if sec, err = strconv.ParseInt(whole, 10, 64); err != nil || sec > maxDurationSeconds {
			return 0, fmt.Errorf("duration %q is out of range or not a number", s)
		}
	}
	if frac != "" {
		if ns, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, fmt.Errorf("duration %q is not seconds with at most nine decimals", s)
		}
		for range 9 - len(frac) {
			ns *= 10
		}
	}
	// time.Duration holds about 292 years; longer is as good as forever.
	const maxSec = int64(1<<63-1) / int64(time.Second)
	d := time.Duration(1<<63 - 1)
	if sec < maxSec {
		d = time.Duration(sec)*time.Second + time.Duration(ns)
	}
	if neg {
		d = -d
	}
	return d, nil
}

// maxDurationSeconds is google.protobuf.Duration's bound: "Range is
// approximately +-10,000 years" (duration.proto).
const maxDurationSeconds = 315_576_000_000

// shuffled returns a shuffled copy of addrs.
func shuffled(addrs []Address) []Address {
	s := slices.Clone(addrs)
	rand.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}
