package wire

import (
	"regexp"
	"testing"
)

// userAgentGrammar is the spec's
// "grpc-" Language ?("-" Variant) "/" Version ?( " (" *(AdditionalProperty ";") ")" ).
var userAgentGrammar = regexp.MustCompile(`^grpc-[a-z]+(-[a-z0-9]+)?/[0-9]+\.[0-9]+\.[0-9]+( \(.*\))?$`)

func TestUserAgent(t *testing.T) {
	if UserAgent != "grpc-go-grpcwire/"+Version || !userAgentGrammar.MatchString(UserAgent) {
		t.Errorf("UserAgent %q is not of the spec's structured form", UserAgent)
	}
	if got := UserAgentFor(""); got != UserAgent {
		t.Errorf("UserAgentFor(\"\") = %q", got)
	}
	if got := UserAgentFor("myapp/2.0"); got != "myapp/2.0 "+UserAgent {
		t.Errorf("UserAgentFor(myapp/2.0) = %q", got)
	}
}
