package conformance

// grpcwire check (cmd/grpcwire) against both interop servers: grpcwire's
// interop-server passes every check; grpc-go's interop server passes all
// but the pinned deviations from the spec, each reported as a failure (or
// a skip) with what came. The README's table of both is checked against
// the runs.

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// checkJSON is the part of grpcwire check -json the test reads.
type checkJSON struct {
	Target string `json:"target"`
	Checks []struct {
		ID     string `json:"id"`
		Result string `json:"result"`
		Got    string `json:"got"`
		Why    string `json:"why"`
	} `json:"checks"`
	Passed, Failed, Skipped int
}

// grpcGoDeviations are grpc-go v1.85.0's interop server's results other
// than pass, each with a piece of what the check reports. The README lists
// them with the sentence each breaks.
var grpcGoDeviations = map[string]struct{ result, detail string }{
	// statuscodes.md: "Request cardinality violation ... | UNIMPLEMENTED | Server".
	"cardinality-zero": {"fail", `grpc-status 13 INTERNAL "cardinality violation: received no request message`},
	"cardinality-two":  {"fail", `grpc-status 13 INTERNAL "cardinality violation: received multiple request messages`},
	// compression.md: "The server will then include in its response a
	// grpc-accept-encoding header specifying the algorithms it does accept."
	"unknown-encoding": {"fail", "UNIMPLEMENTED without grpc-accept-encoding"},
	// RFC 9113 §8.2.2: te "MUST NOT contain any value other than "trailers"".
	"te-not-trailers": {"fail", "the call served: the server did not treat the request as malformed"},
	// No gzip codec is registered in grpc-go's interop server.
	"gzip-request":  {"skip", `the server does not take gzip (UNIMPLEMENTED "grpc: Decompressor is not installed for grpc-encoding \"gzip\"")`},
	"gzip-response": {"skip", "does not take gzip requests"},
}

// runCheck runs grpcwire check -json against addr and returns the parsed
// report with the exit code.
func runCheck(t *testing.T, bin, addr string) (checkJSON, int) {
	t.Helper()
	r := runCLI(t, bin, "", "check", "-plaintext", "-json", addr)
	var rep checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("grpcwire check -json %s: exit %d, not JSON: %v\n%s\n%s", addr, r.code, err, r.stdout, r.stderr)
	}
	return rep, r.code
}

// TestCheckInteropServers pins grpcwire check against grpcwire's and
// grpc-go's interop servers and checks the README's table of both.
func TestCheckInteropServers(t *testing.T) {
	checkNoLeaks(t)
	progs := buildCLIPrograms(t)
	ours := startProc(t, "grpcwire interop-server", buildGrpcwire(t, "interop-server")["interop-server"], "--host=127.0.0.1", "--port=0")
	oursAddr := ours.waitListening(t)
	port := freePort(t)
	theirs := startProc(t, "grpc-go interop server", goTool(t, toolGRPCGoInteropServer), "--port="+port)
	theirsAddr := "127.0.0.1:" + port
	theirs.waitTCP(t, theirsAddr)

	results := map[string]map[string]string{} // server → check → result
	repOurs, code := runCheck(t, progs.grpcwire, oursAddr)
	if code != 0 || repOurs.Failed != 0 || repOurs.Skipped != 0 || repOurs.Passed != len(repOurs.Checks) || len(repOurs.Checks) == 0 {
		t.Errorf("against grpcwire's interop-server: exit %d, %d passed, %d failed, %d skipped; want every check passed", code, repOurs.Passed, repOurs.Failed, repOurs.Skipped)
	}
	results["grpcwire"] = map[string]string{}
	for _, c := range repOurs.Checks {
		results["grpcwire"][c.ID] = c.Result
		if c.Result != "pass" {
			t.Errorf("grpcwire's interop-server: %s %s: %s%s", c.ID, c.Result, c.Got, c.Why)
		}
	}

	repTheirs, code := runCheck(t, progs.grpcwire, theirsAddr)
	if code != 1 {
		t.Errorf("against grpc-go's interop server: exit %d, want 1 (checks failed)", code)
	}
	results["grpc-go"] = map[string]string{}
	for _, c := range repTheirs.Checks {
		results["grpc-go"][c.ID] = c.Result
		want, deviates := grpcGoDeviations[c.ID]
		switch {
		case !deviates && c.Result != "pass":
			t.Errorf("grpc-go's interop server: %s %s, want pass: %s%s", c.ID, c.Result, c.Got, c.Why)
		case deviates && (c.Result != want.result || !strings.Contains(c.Got+c.Why, want.detail)):
			t.Errorf("grpc-go's interop server: %s %s %q, want %s with %q", c.ID, c.Result, c.Got+c.Why, want.result, want.detail)
		}
	}
	if len(repTheirs.Checks) != len(repOurs.Checks) {
		t.Errorf("%d checks against grpc-go, %d against grpcwire", len(repTheirs.Checks), len(repOurs.Checks))
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	checkREADMETable(t, string(readme), repOurs, results)
	// The README's sample line is what the command prints today.
	sample := regexp.MustCompile("(?s)<!-- check:sample -->\n```text\n(.*?)\n```\n<!-- /check -->").FindStringSubmatch(string(readme))
	if sample == nil {
		t.Fatal("README.md has no check:sample block")
	}
	r := runCLI(t, progs.grpcwire, "", "check", "-plaintext", "-run", "^cardinality-zero$", theirsAddr)
	if !strings.Contains(r.stdout, sample[1]+"\n") {
		t.Errorf("README.md's sample line is not what grpcwire check prints against grpc-go:\nREADME:\n%s\nprinted:\n%s", sample[1], r.stdout)
	}
}

// checkREADMETable checks the README's table of results: one row per check
// in the catalogue's order, whose last two cells start with the result
// against grpcwire's and grpc-go's servers.
func checkREADMETable(t *testing.T, readme string, order checkJSON, results map[string]map[string]string) {
	t.Helper()
	block := regexp.MustCompile("(?s)<!-- check:results -->\n(.*?)<!-- /check -->").FindStringSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no check:results block")
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|.*\\| \\**(pass|fail|skip)\\**[^|]* \\| \\**(pass|fail|skip)\\**[^|]* \\|$")
	rows := row.FindAllStringSubmatch(block[1], -1)
	if len(rows) != len(order.Checks) {
		t.Errorf("README.md's table has %d rows, the catalogue %d checks", len(rows), len(order.Checks))
	}
	for i, m := range rows {
		if i < len(order.Checks) && m[1] != order.Checks[i].ID {
			t.Errorf("README.md's row %d is %s, the catalogue's check %d is %s", i+1, m[1], i+1, order.Checks[i].ID)
		}
		if m[2] != results["grpcwire"][m[1]] || m[3] != results["grpc-go"][m[1]] {
			t.Errorf("README.md says %s: grpcwire %s, grpc-go %s; the runs say %s, %s", m[1], m[2], m[3], results["grpcwire"][m[1]], results["grpc-go"][m[1]])
		}
	}
}
