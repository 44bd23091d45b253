package conformance

// The interop matrix: grpc's standard interop cases (grpc/grpc
// doc/interop-test-descriptions.md) run by real interop programs, each
// client against each server, in cleartext and over TLS:
//
//	grpcgo_to_grpcwire    grpc-go's interop client against grpcwire's interop-server
//	grpcwire_to_grpcgo    grpcwire's interop-client against grpc-go's interop server
//	grpcwire_to_grpcwire  grpcwire's programs against each other, the control
//
// go test -v -run TestInterop logs the matrix as a Markdown table.

import (
	"fmt"
	"grpcwire/internal/testkit/testsvc"
	"strings"
	"sync"
	"testing"
)

// interopConcurrency is how many client programs run at once: the machine
// has two cores, and each run is short.
const interopConcurrency = 3

// Soak flags for every client: the soak cases with few iterations and
// bounds loose enough for a loaded machine running under -race.
var soakFlags = []string{
	"--soak_iterations=10",
	"--soak_overall_timeout_seconds=60",
	"--soak_per_iteration_max_acceptable_latency_ms=10000",
}

// interopCase is one case of the matrix and what each direction owes.
type interopCase struct {
	name string
	// grpcGoClient is false for the cases grpc-go's interop client does
	// not implement (the compression cases): grpcgo_to_grpcwire skips them.
	grpcGoClient bool
	// grpcGoServerLacks, when set, is why grpc-go's interop server cannot
	// pass the case (it does not implement the server feature); our client
	// must then fail with a reason containing detect.
	grpcGoServerLacks, detect string
}

// interopCases are the cases of cmd/interop-client, in its order.
var interopCases = []interopCase{
	{name: "empty_unary", grpcGoClient: true},
	{name: "large_unary", grpcGoClient: true},
	{name: "client_compressed_unary", grpcGoServerLacks: "CompressedRequest", detect: "does not implement the CompressedRequest feature"},
	{name: "server_compressed_unary", grpcGoServerLacks: "CompressedResponse", detect: "Compressed-Flag is false; want true"},
	{name: "client_streaming", grpcGoClient: true},
	{name: "client_compressed_streaming", grpcGoServerLacks: "CompressedRequest", detect: "does not implement the CompressedRequest feature"},
	{name: "server_streaming", grpcGoClient: true},
	{name: "server_compressed_streaming", grpcGoServerLacks: "CompressedResponse", detect: "Compressed-Flag is false; want true"},
	{name: "ping_pong", grpcGoClient: true},
	{name: "empty_stream", grpcGoClient: true},
	{name: "timeout_on_sleeping_server", grpcGoClient: true},
	{name: "cancel_after_begin", grpcGoClient: true},
	{name: "cancel_after_first_response", grpcGoClient: true},
	{name: "status_code_and_message", grpcGoClient: true},
	{name: "special_status_message", grpcGoClient: true},
	{name: "custom_metadata", grpcGoClient: true},
	{name: "unimplemented_method", grpcGoClient: true},
	{name: "unimplemented_service", grpcGoClient: true},
	{name: "rpc_soak", grpcGoClient: true},
	{name: "channel_soak", grpcGoClient: true},
}

// security is cleartext or TLS, with the flags of each program.
type security struct {
	name string
	// flags for each program, by role.
	grpcwireServer, grpcGoServer []string
	// client flags when the server is grpcwire's or grpc-go's.
	clientToGrpcwire, clientToGRPCGo []string
	// clientToGrpcwireControl are our client's flags against our server in
	// the control direction, which uses our built-in certificate.
	clientControl, serverControl []string
}

// securities builds the two columns of the matrix. With TLS, the servers of
// the interop directions present grpc-go's x509 test certificate (read from
// its module at test time; it is for *.test.example.com), and the clients
// trust grpc-go's test server CA; the control direction uses grpcwire's
// built-in test certificate and CA.
func securities(t *testing.T) []security {
	cert, key, ca := grpcGoCert(t, "server1_cert.pem"), grpcGoCert(t, "server1_key.pem"), grpcGoCert(t, "server_ca_cert.pem")
	serverTLS := []string{"--use_tls", "--tls_cert_file=" + cert, "--tls_key_file=" + key}
	clientTLS := []string{"--use_tls", "--use_test_ca", "--ca_file=" + ca, "--server_host_override=x.test.example.com"}
	return []security{
		{name: "cleartext"},
		{
			name:             "tls",
			grpcwireServer:   serverTLS,
			grpcGoServer:     serverTLS,
			clientToGrpcwire: clientTLS,
			clientToGRPCGo:   clientTLS,
			serverControl:    []string{"--use_tls"},
			clientControl:    []string{"--use_tls", "--use_test_ca", "--server_host_override=foo.test.google.fr"},
		},
	}
}

// matrix collects each cell's outcome for the table.
type matrix struct {
	mu    sync.Mutex
	cells map[string]map[string]string // case → column → outcome
}

func (m *matrix) set(caseName, column, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cells[caseName] == nil {
		m.cells[caseName] = make(map[string]string)
	}
	m.cells[caseName][column] = outcome
}

// table renders the matrix in Markdown, cases in interopCases order.
func (m *matrix) table(columns []string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("| case | " + strings.Join(columns, " | ") + " |\n|---|" + strings.Repeat("---|", len(columns)) + "\n")
	for _, c := range interopCases {
		row := make([]string, len(columns))
		for i, col := range columns {
			row[i] = m.cells[c.name][col]
			if row[i] == "" {
				row[i] = "not run"
			}
		}
		b.WriteString("| " + c.name + " | " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}

// TestInterop runs the matrix. Every cell must pass, except those where
// grpc-go's programs lack the case or the server feature: there the cell
// says so, and our client must name the missing feature.
func TestInterop(t *testing.T) {
	checkNoLeaks(t)
	ours := buildGrpcwire(t, "interop-server", "interop-client")
	goServer, goClient := goTool(t, toolGRPCGoInteropServer), goTool(t, toolGRPCGoInteropClient)
	m := &matrix{cells: make(map[string]map[string]string)}
	var columns []string
	sem := make(chan struct{}, interopConcurrency)

	for _, sec := range securities(t) {
		t.Run(sec.name, func(t *testing.T) {
			// grpc-go's client against our server.
			col := "grpcgo_to_grpcwire/" + sec.name
			columns = append(columns, col)
			t.Run("grpcgo_to_grpcwire", func(t *testing.T) {
				srv := startProc(t, "grpcwire interop-server", ours["interop-server"], append([]string{"--host=127.0.0.1", "--port=0"}, sec.grpcwireServer...)...)
				host, port := hostPort(t, srv.waitListening(t))
				for _, c := range interopCases {
					if !c.grpcGoClient {
						m.set(c.name, col, "n/a: grpc-go's client lacks the case")
						continue
					}
					t.Run(c.name, func(t *testing.T) {
						t.Parallel()
						sem <- struct{}{}
						defer func() { <-sem }()
						args := append([]string{"--server_host=" + host, "--server_port=" + port, "--test_case=" + c.name}, soakFlags...)
						res := run(t, goClient, append(args, sec.clientToGrpcwire...)...)
						if res.code != 0 {
							m.set(c.name, col, "FAIL")
							t.Fatalf("grpc-go's interop client, %s against grpcwire's server: exit %d\n%s\nserver output:\n%s", c.name, res.code, res.out, srv.out)
						}
						m.set(c.name, col, "pass")
					})
				}
			})

			// Our client against grpc-go's server.
			col2 := "grpcwire_to_grpcgo/" + sec.name
			columns = append(columns, col2)
			t.Run("grpcwire_to_grpcgo", func(t *testing.T) {
				port := freePort(t)
				srv := startProc(t, "grpc-go interop server", goServer, append([]string{"--port=" + port}, sec.grpcGoServer...)...)
				srv.waitTCP(t, "127.0.0.1:"+port)
				for _, c := range interopCases {
					t.Run(c.name, func(t *testing.T) {
						t.Parallel()
						sem <- struct{}{}
						defer func() { <-sem }()
						runOurs(t, m, col2, c, ours["interop-client"], "127.0.0.1", port, sec.clientToGRPCGo, c.grpcGoServerLacks != "")
					})
				}
			})

			// The control: our programs against each other.
			col3 := "grpcwire_to_grpcwire/" + sec.name
			columns = append(columns, col3)
			t.Run("grpcwire_to_grpcwire", func(t *testing.T) {
				srv := startProc(t, "grpcwire interop-server", ours["interop-server"], append([]string{"--host=127.0.0.1", "--port=0"}, sec.serverControl...)...)
				host, port := hostPort(t, srv.waitListening(t))
				for _, c := range interopCases {
					t.Run(c.name, func(t *testing.T) {
						t.Parallel()
						sem <- struct{}{}
						defer func() { <-sem }()
						runOurs(t, m, col3, c, ours["interop-client"], host, port, sec.clientControl, false)
					})
				}
			})
		})
	}
	t.Logf("interop matrix:\n%s", m.table(columns))
}

// runOurs runs our interop client for one cell. lacking says the server is
// grpc-go's and lacks the case's server feature: the client must then fail
// and name it.
func runOurs(t *testing.T, m *matrix, col string, c interopCase, bin, host, port string, flags []string, lacking bool) {
	t.Helper()
	args := append([]string{"--server_host=" + host, "--server_port=" + port, "--test_case=" + c.name}, soakFlags...)
	res := run(t, bin, append(args, flags...)...)
	if lacking {
		if res.code != 1 || !strings.Contains(res.out, c.detect) {
			m.set(c.name, col, "FAIL")
			t.Fatalf("grpcwire's interop client, %s against grpc-go's server, which lacks %s: exit %d\n%s\nwant exit 1 naming the missing feature (%q)", c.name, c.grpcGoServerLacks, res.code, res.out, c.detect)
		}
		m.set(c.name, col, fmt.Sprintf("n/a: grpc-go's server lacks %s (detected)", c.grpcGoServerLacks))
		return
	}
	if res.code != 0 {
		m.set(c.name, col, "FAIL")
		t.Fatalf("grpcwire's interop client, %s: exit %d\n%s", c.name, res.code, res.out)
	}
	if want := "interop-client: " + c.name + " passed"; !strings.Contains(res.out, want) {
		m.set(c.name, col, "FAIL")
		t.Fatalf("grpcwire's interop client, %s: exit 0 without %q:\n%s", c.name, want, res.out)
	}
	m.set(c.name, col, "pass")
}

// TestInteropBuiltinCertificate checks grpcwire's built-in test
// certificate with grpc-go's client: it trusts grpcwire's test CA and
// checks the name grpc's interop convention uses.
func TestInteropBuiltinCertificate(t *testing.T) {
	checkNoLeaks(t)
	ours := buildGrpcwire(t, "interop-server")
	goClient := goTool(t, toolGRPCGoInteropClient)
	srv := startProc(t, "grpcwire interop-server", ours["interop-server"], "--host=127.0.0.1", "--port=0", "--use_tls")
	host, port := hostPort(t, srv.waitListening(t))
	for _, tc := range []struct {
		name     string
		override string
		wantCode int
	}{
		{"*.test.google.fr", "--server_host_override=foo.test.google.fr", 0},
		{"127.0.0.1", "", 0},
		{"a name the certificate lacks", "--server_host_override=foo.example.com", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--server_host=" + host, "--server_port=" + port, "--test_case=large_unary",
				"--use_tls", "--use_test_ca", "--ca_file=" + testsvc.CertFile(t, "ca.pem")}
			if tc.override != "" {
				args = append(args, tc.override)
			}
			if res := run(t, goClient, args...); res.code != tc.wantCode {
				t.Fatalf("grpc-go's client: exit %d, want %d\n%s", res.code, tc.wantCode, res.out)
			}
		})
	}
}

// TestInteropClientRejects checks how our client refuses what it cannot
// run: out-of-scope and unknown cases, with a one-line reason and exit 2.
func TestInteropClientRejects(t *testing.T) {
	checkNoLeaks(t)
	ours := buildGrpcwire(t, "interop-client")
	for _, tc := range []struct{ testCase, want string }{
		{"compute_engine_creds", "out of scope"},
		{"pick_first_unary", "out of scope"},
		{"no_such_case", "unknown test case"},
	} {
		res := run(t, ours["interop-client"], "--test_case="+tc.testCase)
		if res.code != 2 || !strings.Contains(res.out, tc.want) || strings.Count(strings.TrimSpace(res.out), "\n") != 0 {
			t.Errorf("--test_case=%s: exit %d, output %q; want exit 2 and one line saying %q", tc.testCase, res.code, res.out, tc.want)
		}
	}
}
