package check

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"grpcwire/cmd/grpcwire/internal/rawh2"
	pb "grpcwire/interop/grpc_testing"
	rpb "grpcwire/reflection/grpc_reflection_v1"
)

// The methods Discover tries, in the order it prefers them as the probe.
const (
	testService   = "grpc.testing.TestService"
	emptyCallPath = "/grpc.testing.TestService/EmptyCall"
	healthCheck   = "/grpc.health.v1.Health/Check"
	reflectionV1  = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
	reflectionV1a = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
)

// Env is what the checks know of the server before they start.
type Env struct {
	// TestService is true when grpc.testing.TestService/EmptyCall
	// answered OK.
	TestService bool
	// Services are the services reflection listed, when it answered.
	Services []string
	// Probe is a method the server serves, which the checks that need a
	// call to succeed use; nil when none was found.
	Probe *Probe
	// Service is a service the server has, for the unknown-method check.
	Service string
	// Found says in one line what was found, for the command's first line.
	Found string
	// tried says what each probe answered, for a skip's reason.
	tried []string
}

// Probe is a method known to succeed, with a request it accepts.
type Probe struct {
	// Path is the method's :path.
	Path string
	// Request is a request message it accepts, unframed.
	Request []byte
}

// Discover asks the server, on one connection, which of the probe methods
// it serves: grpc.testing.TestService/EmptyCall, grpc.health.v1.Health/Check
// and server reflection's ServerReflectionInfo (v1, then v1alpha) with a
// list_services request. An error means the server could not be reached.
func Discover(ctx context.Context, cfg Config) (*Env, error) {
	t := &T{ctx: ctx, cfg: &cfg}
	c, err := t.Dial(rawh2.Config{})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	env := &Env{}
	try := func(path string, req []byte) *answer {
		a := read(call(c, t.requestHeaders(path), frame(0, req)))
		env.tried = append(env.tried, fmt.Sprintf("%s: %s", path, a))
		return a
	}
	if a := try(emptyCallPath, nil); a.served() {
		env.TestService = true
		env.Probe = &Probe{Path: emptyCallPath}
		env.Service = testService
	}
	if a := try(healthCheck, nil); a.served() && env.Probe == nil {
		env.Probe = &Probe{Path: healthCheck}
		env.Service = "grpc.health.v1.Health"
	}
	listReq := marshal(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}})
	for _, path := range []string{reflectionV1, reflectionV1a} {
		a := try(path, listReq)
		if !a.served() {
			continue
		}
		for _, m := range a.Messages {
			var res rpb.ServerReflectionResponse
			if m.Flag != 0 || proto.Unmarshal(m.Message, &res) != nil {
				continue
			}
			for _, s := range res.GetListServicesResponse().GetService() {
				env.Services = append(env.Services, s.GetName())
			}
		}
		if env.Probe == nil {
			env.Probe = &Probe{Path: path, Request: listReq}
			env.Service = strings.Split(path, "/")[1]
		}
		break
	}
	sort.Strings(env.Services)
	env.Found = env.describe(c)
	return env, nil
}

// describe says what Discover found.
func (e *Env) describe(c *rawh2.Conn) string {
	var parts []string
	if e.TestService {
		parts = append(parts, "grpc.testing.TestService")
	} else {
		parts = append(parts, "no grpc.testing.TestService (its checks skip)")
	}
	if len(e.Services) > 0 {
		parts = append(parts, fmt.Sprintf("reflection lists %d services", len(e.Services)))
	}
	if e.Probe != nil {
		parts = append(parts, "probe method "+e.Probe.Path)
	} else {
		parts = append(parts, "no method to call (the checks that need one skip)")
	}
	if c.GoAway != nil {
		parts = append(parts, "the server sent "+c.GoAway.String())
	}
	return strings.Join(parts, "; ")
}

// lacks returns why a check with needs cannot run against this server, or
// "" when it can.
func (e *Env) lacks(needs Needs) string {
	switch needs {
	case NeedsTestService:
		if !e.TestService {
			return "the server does not serve grpc.testing.TestService (" + e.triedText(emptyCallPath) + ")"
		}
	case NeedsMethod:
		if e.Probe == nil {
			return "no method of the server could be called to succeed: " + strings.Join(e.tried, "; ")
		}
	case NeedsService:
		if e.Service == "" {
			return "no service of the server is known: " + strings.Join(e.tried, "; ")
		}
	}
	return ""
}

// triedText is what the probe of path answered.
func (e *Env) triedText(path string) string {
	for _, s := range e.tried {
		if strings.HasPrefix(s, path+":") {
			return s
		}
	}
	return path + " was not tried"
}

// probeBody is the probe's request framed, for a check that needs a call
// to succeed.
func (e *Env) probeBody() []byte {
	return frame(0, e.Probe.Request)
}

// simpleRequest is a grpc.testing.SimpleRequest for UnaryCall.
func simpleRequest(requestSize, responseSize int) *pb.SimpleRequest {
	return &pb.SimpleRequest{
		ResponseSize: int32(responseSize),
		Payload:      &pb.Payload{Body: make([]byte, requestSize)},
	}
}

// Paths of TestService.
const (
	unaryCallPath  = "/grpc.testing.TestService/UnaryCall"
	inputCallPath  = "/grpc.testing.TestService/StreamingInputCall"
	outputCallPath = "/grpc.testing.TestService/StreamingOutputCall"
	duplexCallPath = "/grpc.testing.TestService/FullDuplexCall"
)

// simpleResponse decodes the one response message of a UnaryCall.
func simpleResponse(a *answer) (*pb.SimpleResponse, error) {
	if a.MessagesErr != nil {
		return nil, a.MessagesErr
	}
	if len(a.Messages) != 1 {
		return nil, fmt.Errorf("%d response messages, not 1", len(a.Messages))
	}
	m := a.Messages[0]
	body := m.Message
	if m.Flag == 1 {
		enc, _ := rawh2.Field(a.r.Headers(), "grpc-encoding")
		if enc != "gzip" {
			return nil, fmt.Errorf("a compressed message with grpc-encoding %q", enc)
		}
		var err error
		if body, err = gunzip(body); err != nil {
			return nil, fmt.Errorf("the gzip message does not decompress: %v", err)
		}
	}
	var res pb.SimpleResponse
	if err := proto.Unmarshal(body, &res); err != nil {
		return nil, fmt.Errorf("the response is not a grpc.testing.SimpleResponse: %v", err)
	}
	return &res, nil
}
