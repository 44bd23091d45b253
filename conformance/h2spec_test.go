package conformance

import (
	"context"
	"encoding/xml"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/server"
)

// notApplicable lists h2spec cases that do not apply to a gRPC server, each
// with the reason. It is empty: every case passes, in strict mode too.
var notApplicable = map[string]string{}

// junitReport is the part of h2spec's JUnit report the test reads.
type junitReport struct {
	Suites []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string    `xml:"classname,attr"`
			Package string    `xml:"package,attr"`
			Failure *struct{} `xml:"failure"`
			Error   *struct{} `xml:"error"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestH2spec runs h2spec (pinned in go.mod as a tool) in strict mode
// against grpcwire's cleartext server and requires every case to pass.
func TestH2spec(t *testing.T) {
	if testing.Short() {
		t.Skip("h2spec builds a tool and runs 146 cases")
	}
	s := server.New()
	s.Register(&server.ServiceDesc{Name: "test.Echo", Methods: []server.MethodDesc{
		server.UnaryMethod("Echo", func(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			return in, nil
		}),
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	defer func() {
		s.Stop()
		<-served
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	report := filepath.Join(t.TempDir(), "h2spec.xml")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "h2spec", "-h", "127.0.0.1", "-p", port, "-o", "3", "-S", "-j", report)
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "tests,") {
		t.Fatalf("h2spec did not run: %v\n%s", err, out)
	}
	raw, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("no h2spec report: %v\n%s", rerr, out)
	}
	var rep junitReport
	if err := xml.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("h2spec report: %v", err)
	}
	total, passed := 0, 0
	for _, suite := range rep.Suites {
		for _, c := range suite.Cases {
			total++
			id := c.Package + " " + c.Name
			switch {
			case c.Failure != nil || c.Error != nil:
				if reason, ok := notApplicable[id]; ok {
					t.Logf("not applicable: %s: %s", id, reason)
					continue
				}
				t.Errorf("h2spec failed: %s", id)
			case c.Skipped != nil:
				t.Errorf("h2spec skipped: %s", id)
			default:
				passed++
			}
		}
	}
	if total < 140 {
		t.Fatalf("h2spec ran only %d cases\n%s", total, out)
	}
	t.Logf("h2spec strict: %d of %d cases passed", passed, total)
	if t.Failed() {
		t.Logf("h2spec output:\n%s", out)
	}
}
