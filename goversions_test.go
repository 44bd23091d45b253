package grpcwire

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestCIRunsGo127: the README says which Go versions are tested and gives
// the command that tests the root module on Go 1.27; .ci/run runs exactly
// that command, so that the claim stays true.
func TestCIRunsGo127(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "Go 1.26 (the `go.mod` minimum) and Go 1.27 are tested") {
		t.Error("the README does not say which Go versions are tested")
	}
	m := regexp.MustCompile("(?m)^(GOTOOLCHAIN=go1\\.27\\.\\d+ go test .*)$").FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("the README has no line starting with GOTOOLCHAIN=go1.27.N go test")
	}
	cmd := strings.TrimSpace(m[1])
	found := false
	for _, line := range strings.Split(string(ci), "\n") {
		if strings.TrimSpace(line) == cmd {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's Go 1.27 command %q", cmd)
	}
}
