package interop

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"grpcwire/client"
	pb "grpcwire/interop/grpc_testing"
)

// The soak cases' defaults are those of grpc-go's interop client flags, so
// that a harness that passes no soak flag gets the same run from either
// client.
const (
	DefaultSoakIterations         = 10                // --soak_iterations
	DefaultSoakMaxFailures        = 0                 // --soak_max_failures
	DefaultSoakMaxLatency         = time.Second       // --soak_per_iteration_max_acceptable_latency_ms
	DefaultSoakOverallTimeout     = 10 * time.Second  // --soak_overall_timeout_seconds
	DefaultSoakMinTimeBetweenRPCs = 0                 // --soak_min_time_ms_between_rpcs
	DefaultSoakRequestSize        = largeRequestSize  // --soak_request_size: as large_unary
	DefaultSoakResponseSize       = largeResponseSize // --soak_response_size: as large_unary
	DefaultSoakWorkers            = 1                 // --soak_num_threads
)

// SoakConfig configures rpc_soak and channel_soak: Iterations large unary
// calls, spread evenly over Workers goroutines, of which at most MaxFailures
// may fail or take longer than MaxLatency, all within OverallTimeout.
type SoakConfig struct {
	Iterations         int
	MaxFailures        int
	MaxLatency         time.Duration // per iteration, connecting included for channel_soak
	OverallTimeout     time.Duration
	MinTimeBetweenRPCs time.Duration // per worker, start to start
	RequestSize        int
	ResponseSize       int
	Workers            int
	// Log, if set, gets one line per iteration and a summary, as grpc-go's
	// soak test prints them.
	Log io.Writer
	// ServerAddr names the server in the log lines.
	ServerAddr string
}

// DefaultSoakConfig returns the configuration grpc-go's interop client uses
// when no soak flag is given.
func DefaultSoakConfig() SoakConfig {
	return SoakConfig{
		Iterations:         DefaultSoakIterations,
		MaxFailures:        DefaultSoakMaxFailures,
		MaxLatency:         DefaultSoakMaxLatency,
		OverallTimeout:     DefaultSoakOverallTimeout,
		MinTimeBetweenRPCs: DefaultSoakMinTimeBetweenRPCs,
		RequestSize:        DefaultSoakRequestSize,
		ResponseSize:       DefaultSoakResponseSize,
		Workers:            DefaultSoakWorkers,
	}
}

// RPCSoak is rpc_soak: the iterations all run on the case's connection.
func RPCSoak(cfg SoakConfig) CaseFunc {
	return func(ctx context.Context, cc client.ConnInterface) error {
		return soak(ctx, cfg, func(ctx context.Context) (string, error) {
			return "", soakCall(ctx, cc, cfg)
		})
	}
}

// ChannelSoak is channel_soak: each iteration dials a connection of its
// own with dial, makes its call on it and closes it, so that connection
// set-up and tear-down are soaked too.
func ChannelSoak(cfg SoakConfig, dial func() (*client.Conn, error)) CaseFunc {
	return func(ctx context.Context, _ client.ConnInterface) error {
		if dial == nil {
			return fmt.Errorf("channel_soak needs a way to dial new connections")
		}
		return soak(ctx, cfg, func(ctx context.Context) (string, error) {
			cc, err := dial()
			if err != nil {
				return "", err
			}
			defer cc.Close()
			return cc.Target(), soakCall(ctx, cc, cfg)
		})
	}
}

// soakCall is one iteration's call: large_unary with the configured sizes.
func soakCall(ctx context.Context, cc client.ConnInterface, cfg SoakConfig) error {
	res, err := pb.NewTestServiceClient(cc).UnaryCall(ctx, &pb.SimpleRequest{
		ResponseType: pb.PayloadType_COMPRESSABLE,
		ResponseSize: int32(cfg.ResponseSize),
		Payload:      clientPayload(cfg.RequestSize),
	})
	if err != nil {
		return fmt.Errorf("UnaryCall: %w", err)
	}
	return checkPayload("UnaryCall", res.GetPayload(), cfg.ResponseSize)
}

// soakResult is one worker's tally.
type soakResult struct {
	succeeded, failed int
	latencies         []time.Duration
	firstFailure      error // the first failure's reason, for the verdict
}

// soak runs cfg.Iterations iterations of call over cfg.Workers workers and
// judges the run.
func soak(ctx context.Context, cfg SoakConfig, call func(context.Context) (string, error)) error {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Iterations%cfg.Workers != 0 {
		return fmt.Errorf("soak: %d iterations cannot be spread evenly over %d workers (--soak_num_threads must divide --soak_iterations)", cfg.Iterations, cfg.Workers)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.OverallTimeout)
	defer cancel()
	results := make([]soakResult, cfg.Workers)
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			logMu.Lock()
			fmt.Fprintf(cfg.Log, format+"\n", a...)
			logMu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for w := range cfg.Workers {
		wg.Go(func() {
			r := &results[w]
			for i := range cfg.Iterations / cfg.Workers {
				if ctx.Err() != nil {
					logf("worker %d: the overall timeout of %v passed; stopping", w, cfg.OverallTimeout)
					return
				}
				start := time.Now()
				peer, err := call(ctx)
				latency := time.Since(start)
				if peer == "" {
					peer = cfg.ServerAddr
				}
				if err == nil && latency > cfg.MaxLatency {
					err = fmt.Errorf("took %v, more than the max acceptable latency of %v", latency, cfg.MaxLatency)
				}
				if err != nil && r.firstFailure == nil {
					r.firstFailure = fmt.Errorf("worker %d, iteration %d: %w", w, i, err)
				}
				if err != nil {
					r.failed++
					logf("worker %d: soak iteration %d elapsed_ms %d server %s failed: %v", w, i, latency.Milliseconds(), peer, err)
				} else {
					r.succeeded++
					r.latencies = append(r.latencies, latency)
					logf("worker %d: soak iteration %d elapsed_ms %d server %s succeeded", w, i, latency.Milliseconds(), peer)
				}
				if wait := cfg.MinTimeBetweenRPCs - time.Since(start); wait > 0 {
					t := time.NewTimer(wait)
					select {
					case <-t.C:
					case <-ctx.Done():
						t.Stop()
					}
				}
			}
		})
	}
	wg.Wait()
	var total soakResult
	for _, r := range results {
		total.succeeded += r.succeeded
		total.failed += r.failed
		total.latencies = append(total.latencies, r.latencies...)
		if total.firstFailure == nil {
			total.firstFailure = r.firstFailure
		}
	}
	slices.Sort(total.latencies)
	logf("soak test (server %s): %d of %d iterations succeeded, %d failed; latencies %s",
		cfg.ServerAddr, total.succeeded, cfg.Iterations, total.failed, latencySummary(total.latencies))
	if ran := total.succeeded + total.failed; ran != cfg.Iterations {
		return fmt.Errorf("soak: the overall timeout of %v passed after %d of %d iterations (raise --soak_overall_timeout_seconds)", cfg.OverallTimeout, ran, cfg.Iterations)
	}
	if total.failed > cfg.MaxFailures {
		return fmt.Errorf("soak: %d of %d iterations failed or exceeded %v, more than the %d allowed (--soak_max_failures); the first: %w", total.failed, cfg.Iterations, cfg.MaxLatency, cfg.MaxFailures, total.firstFailure)
	}
	return nil
}

// latencySummary words sorted latencies as min, median, 90th percentile and
// max.
func latencySummary(l []time.Duration) string {
	if len(l) == 0 {
		return "(none)"
	}
	at := func(q float64) time.Duration { return l[min(len(l)-1, int(q*float64(len(l))))] }
	return fmt.Sprintf("min %v, p50 %v, p90 %v, max %v", l[0], at(0.5), at(0.9), l[len(l)-1])
}
