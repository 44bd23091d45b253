// Command interop-client is grpcwire's gRPC interop client: it runs one case
// of grpc/grpc doc/interop-test-descriptions.md against any gRPC
// implementation's interop server, exits 0 when every assertion of the case
// holds, and otherwise prints one line saying which did not and exits 1
// (2 for bad flags). Its flags are those of grpc-go's interop/client:
//
//	--server_host, --server_port   where the server is (localhost:10000)
//	--server_host_override         the name checked in the server's TLS
//	                               certificate and sent as :authority
//	--test_case                    the case to run (large_unary)
//	--use_tls                      TLS with ALPN h2 instead of cleartext
//	--use_test_ca, --ca_file       trust the CA in --ca_file (grpcwire's
//	                               test CA when empty) instead of the
//	                               system roots
//	--additional_metadata          "key:value;key:value" sent with every call
//	--soak_iterations, --soak_max_failures,
//	--soak_per_iteration_max_acceptable_latency_ms,
//	--soak_overall_timeout_seconds, --soak_min_time_ms_between_rpcs,
//	--soak_request_size, --soak_response_size, --soak_num_threads
//	                               rpc_soak and channel_soak
//
// The cases are empty_unary, large_unary, client_compressed_unary,
// server_compressed_unary, client_streaming, client_compressed_streaming,
// server_streaming, server_compressed_streaming, ping_pong, empty_stream,
// timeout_on_sleeping_server, cancel_after_begin,
// cancel_after_first_response, status_code_and_message,
// special_status_message, custom_metadata, unimplemented_method,
// unimplemented_service, rpc_soak and channel_soak. The cases that need
// Google Cloud credentials or load-balancing infrastructure are refused by
// name, with the reason.
//
// Against a server that misbehaves on purpose at the HTTP/2 level
// (cmd/http2-interop-server, or grpc's Python test/http2_test, started with
// the same --test_case), it runs the negative cases of
// doc/negative-http2-interop-test-descriptions.md: goaway,
// rst_after_header, rst_during_data, rst_after_data, ping and max_streams.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"grpcwire/client"
	"grpcwire/interop"
)

// The server grpc-go's interop client calls by default.
const (
	defaultServerHost = "localhost"
	defaultServerPort = 10000
)

func main() {
	var (
		serverHost     = flag.String("server_host", defaultServerHost, "The server host name")
		serverPort     = flag.Int("server_port", defaultServerPort, "The server port number")
		hostOverride   = flag.String("server_host_override", "", "The server name used to verify the hostname returned by TLS handshake if it is not empty. Otherwise, --server_host is used.")
		testCase       = flag.String("test_case", "large_unary", "The test case to run")
		useTLS         = flag.Bool("use_tls", false, "Connection uses TLS if true")
		useTestCA      = flag.Bool("use_test_ca", false, "Whether to replace platform root CAs with test CA as the CA root")
		caFile         = flag.String("ca_file", "", "The file containing the CA root cert file (grpcwire's test CA when empty)")
		additionalMD   = flag.String("additional_metadata", "", "Additional metadata to send in each request, as a semicolon-separated list of key:value pairs.")
		soakIterations = flag.Int("soak_iterations", interop.DefaultSoakIterations, "The number of iterations to use for the two soak tests: rpc_soak and channel_soak")
		soakMaxFail    = flag.Int("soak_max_failures", interop.DefaultSoakMaxFailures, "The number of iterations in soak tests that are allowed to fail (either due to non-OK status code or exceeding the per-iteration max acceptable latency).")
		soakLatencyMs  = flag.Int("soak_per_iteration_max_acceptable_latency_ms", int(interop.DefaultSoakMaxLatency/time.Millisecond), "The number of milliseconds a single iteration in the two soak tests (rpc_soak and channel_soak) should take.")
		soakTimeoutS   = flag.Int("soak_overall_timeout_seconds", int(interop.DefaultSoakOverallTimeout/time.Second), "The overall number of seconds after which a soak test should stop and fail, if the desired number of iterations have not yet completed.")
		soakMinGapMs   = flag.Int("soak_min_time_ms_between_rpcs", int(interop.DefaultSoakMinTimeBetweenRPCs/time.Millisecond), "The minimum time in milliseconds between consecutive RPCs in a soak test (rpc_soak or channel_soak), useful for limiting QPS")
		soakReqSize    = flag.Int("soak_request_size", interop.DefaultSoakRequestSize, "The request size in a soak RPC.")
		soakResSize    = flag.Int("soak_response_size", interop.DefaultSoakResponseSize, "The response size in a soak RPC.")
		soakThreads    = flag.Int("soak_num_threads", interop.DefaultSoakWorkers, "The number of threads for concurrent execution of the soak tests (rpc_soak or channel_soak).")
	)
	flag.Parse()

	target := net.JoinHostPort(*serverHost, strconv.Itoa(*serverPort))
	var opts []client.Option
	if *useTLS {
		name := *hostOverride
		if name == "" {
			name = *serverHost
		}
		cfg, err := interop.ClientTLSConfig(*useTestCA, *caFile, name)
		if err != nil {
			fail(2, "%v", err)
		}
		opts = append(opts, client.WithTLS(cfg))
	} else if *useTestCA || *caFile != "" {
		fail(2, "--use_test_ca and --ca_file need --use_tls")
	}
	if *hostOverride != "" {
		// "The server host to claim to be connecting to, for use in TLS
		// and HTTP/2 :authority header."
		opts = append(opts, client.WithAuthority(*hostOverride))
	}
	if *additionalMD != "" {
		md, err := interop.ParseAdditionalMetadata(*additionalMD)
		if err != nil {
			fail(2, "%v", err)
		}
		opts = append(opts, client.WithDefaultCallOptions(client.WithMetadata(md)))
	}
	soak := interop.SoakConfig{
		Iterations:         *soakIterations,
		MaxFailures:        *soakMaxFail,
		MaxLatency:         time.Duration(*soakLatencyMs) * time.Millisecond,
		OverallTimeout:     time.Duration(*soakTimeoutS) * time.Second,
		MinTimeBetweenRPCs: time.Duration(*soakMinGapMs) * time.Millisecond,
		RequestSize:        *soakReqSize,
		ResponseSize:       *soakResSize,
		Workers:            *soakThreads,
		Log:                os.Stderr,
		ServerAddr:         target,
	}
	dial := func() (*client.Conn, error) { return client.Dial(target, opts...) }
	run, err := interop.Lookup(*testCase, soak, dial)
	if err != nil {
		fail(2, "%v", err)
	}
	cc, err := dial()
	if err != nil {
		fail(2, "%v", err)
	}
	err = run(context.Background(), cc)
	cc.Close()
	if err != nil {
		if hint := connectHint(*useTLS, err); hint != "" {
			fail(1, "%s FAILED: %v; %s", *testCase, err, hint)
		}
		fail(1, "%s FAILED: %v", *testCase, err)
	}
	fmt.Printf("interop-client: %s passed\n", *testCase)
}

// fail prints one line, newlines in the reason escaped so that it stays
// one line, and exits with code.
func fail(code int, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	msg = strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(msg)
	fmt.Fprintln(os.Stderr, "interop-client: "+msg)
	os.Exit(code)
}
