package grpcwire

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestNoGRPCGoInImportGraph: grpc-go is only ever the peer, in the
// conformance module; no package of this module may depend on it.
func TestNoGRPCGoInImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "google.golang.org/grpc" || strings.HasPrefix(pkg, "google.golang.org/grpc/") {
			t.Errorf("the grpcwire module depends on %s", pkg)
		}
	}
}

// TestModuleRequirements: go.mod requires golang.org/x/net and
// google.golang.org/protobuf, and nothing else except what they pull in.
func TestModuleRequirements(t *testing.T) {
	raw, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	allowedDirect := map[string]bool{"golang.org/x/net": true, "google.golang.org/protobuf": true}
	// What x/net and protobuf themselves require.
	allowedIndirect := map[string]bool{"golang.org/x/text": true, "golang.org/x/sys": true, "golang.org/x/crypto": true, "github.com/google/go-cmp": true}
	req := regexp.MustCompile(`(?m)^\s*(?:require\s+)?([a-z0-9.\-]+\.[a-z]+/[^\s]+)\s+v[^\s]+(\s*//\s*indirect)?\s*$`)
	for _, m := range req.FindAllStringSubmatch(string(raw), -1) {
		path, indirect := m[1], m[2] != ""
		switch {
		case allowedDirect[path]:
		case indirect && allowedIndirect[path]:
		default:
			t.Errorf("go.mod requires %s (indirect=%v); the root module may require only golang.org/x/net and google.golang.org/protobuf", path, indirect)
		}
	}
	for p := range allowedDirect {
		if !strings.Contains(string(raw), p+" v") {
			t.Errorf("go.mod does not require %s", p)
		}
	}
}

// TestCIRunsTheREADMETestCommand: .ci/run runs exactly the test command the
// README's Quick start gives, so that what CI checks is what readers run.
func TestCIRunsTheREADMETestCommand(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?m)^(go test -race \\./\\.\\.\\..*)$").FindStringSubmatch(string(readme))
	if m == nil {
		t.Fatal("the README has no line starting with the test command `go test -race ./...`")
	}
	cmd := strings.TrimSpace(m[1])
	found := false
	for _, line := range strings.Split(string(ci), "\n") {
		if strings.TrimSpace(line) == cmd {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's test command %q", cmd)
	}
}
