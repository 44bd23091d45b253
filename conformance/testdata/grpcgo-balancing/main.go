// Command grpcgo-balancing is the grpc-go side of the conformance module's
// load-balancing tests (balancing_test.go), driven line by line on stdin.
// It is a program of its own, built by those tests, because it links
// grpc-go's health package: the conformance test binary links grpcwire's
// health package, which registers the same protobuf names, and grpc-go's
// client-side health checking is turned on only by importing grpc-go's.
//
// It lives under testdata so that "go test ./..." and "go vet ./..." leave
// it alone; the tests build it by its path.
//
// With -serve N it runs N grpc-go servers of the Echo service, each with
// grpc-go's health service, prints "listening ADDR" for each and then
// "ready", and answers these commands, one line each:
//
//	health I SERVING|NOT_SERVING   set server I's health ("" service) → "ok"
//	stop I                         stop server I gracefully → "ok"
//	counts                         → "counts N0 N1 ..." (Echo.Unary calls served)
//
// With -client ADDR,ADDR,... it makes a grpc-go client (grpc.NewClient)
// over those addresses, through grpc-go's test-controlled resolver
// (resolver/manual; grpc-go has no ipv4: scheme), with -service-config as
// its default service config, prints "ready", and answers:
//
//	call N                 N sequential Echo.Unary calls → "done OK FAILED [FIRST ERROR]"
//	load N C SLEEP_MS      start N calls over C goroutines, each taking SLEEP_MS on its server → "started"
//	wait                   wait for the load → "done OK FAILED [FIRST ERROR]"
//
// It exits when stdin closes.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"grpcwire/conformance/echopb"
	"grpcwire/conformance/echopb/echogrpc"
	"grpcwire/conformance/echoserver"
)

// callTimeout bounds every call, so that a hang shows as a failure.
const callTimeout = 10 * time.Second

func main() {
	serve := flag.Int("serve", 0, "run this many grpc-go Echo servers with grpc-go's health service")
	clientAddrs := flag.String("client", "", "the servers' addresses, comma-separated: run a round-robin grpc-go client over them")
	config := flag.String("service-config", "", "the client's default service config JSON")
	flag.Parse()
	var err error
	switch {
	case *serve > 0:
		err = runServers(*serve)
	case *clientAddrs != "":
		err = runClient(strings.Split(*clientAddrs, ","), *config)
	default:
		err = fmt.Errorf("give -serve N or -client ADDRS")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "grpcgo-balancing:", err)
		os.Exit(1)
	}
}

// runServers serves n servers and follows the commands.
func runServers(n int) error {
	type backend struct {
		s     *grpc.Server
		hs    *health.Server
		calls atomic.Int64
	}
	bs := make([]*backend, n)
	for i := range bs {
		b := &backend{}
		b.s = grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
			if info.FullMethod == "/grpcwire.conformance.Echo/Unary" {
				b.calls.Add(1)
			}
			return next(ctx, req)
		}))
		echogrpc.RegisterEchoServer(b.s, &echoserver.GRPCGo{})
		b.hs = health.NewServer()
		healthgrpc.RegisterHealthServer(b.s, b.hs)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go b.s.Serve(ln)
		defer b.s.Stop()
		fmt.Printf("listening %s\n", ln.Addr())
		bs[i] = b
	}
	fmt.Println("ready")
	return commands(func(f []string) string {
		switch {
		case len(f) == 3 && f[0] == "health":
			i, err := strconv.Atoi(f[1])
			st, ok := healthgrpc.HealthCheckResponse_ServingStatus_value[f[2]]
			if err != nil || i < 0 || i >= n || !ok {
				return "error: health I SERVING|NOT_SERVING"
			}
			bs[i].hs.SetServingStatus("", healthgrpc.HealthCheckResponse_ServingStatus(st))
			return "ok"
		case len(f) == 2 && f[0] == "stop":
			i, err := strconv.Atoi(f[1])
			if err != nil || i < 0 || i >= n {
				return "error: stop I"
			}
			bs[i].hs.Shutdown()
			bs[i].s.GracefulStop()
			return "ok"
		case len(f) == 1 && f[0] == "counts":
			out := "counts"
			for _, b := range bs {
				out += " " + strconv.FormatInt(b.calls.Load(), 10)
			}
			return out
		}
		return "error: unknown command " + strings.Join(f, " ")
	})
}

// runClient makes the client and follows the commands.
func runClient(addrs []string, config string) error {
	r := manual.NewBuilderWithScheme("backends")
	var as []resolver.Address
	for _, a := range addrs {
		as = append(as, resolver.Address{Addr: a})
	}
	r.InitialState(resolver.State{Addresses: as})
	cc, err := grpc.NewClient(r.Scheme()+":///echo", grpc.WithResolvers(r),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(config))
	if err != nil {
		return err
	}
	defer cc.Close()
	ec := echogrpc.NewEchoClient(cc)
	call := func(sleepMs int64) error {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		_, err := ec.Unary(ctx, &echopb.EchoRequest{Payload: []byte("x"), SleepMs: sleepMs})
		return err
	}
	var load *tally
	var loadDone sync.WaitGroup
	fmt.Println("ready")
	return commands(func(f []string) string {
		switch {
		case len(f) == 2 && f[0] == "call":
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return "error: call N"
			}
			var t tally
			for range n {
				t.add(call(0))
			}
			return t.String()
		case len(f) == 4 && f[0] == "load":
			n, err1 := strconv.Atoi(f[1])
			c, err2 := strconv.Atoi(f[2])
			sleep, err3 := strconv.ParseInt(f[3], 10, 64)
			if err1 != nil || err2 != nil || err3 != nil || load != nil {
				return "error: load N C SLEEP_MS, one at a time"
			}
			load = &tally{}
			var next atomic.Int64
			for range c {
				loadDone.Go(func() {
					for next.Add(1) <= int64(n) {
						load.add(call(sleep))
					}
				})
			}
			return "started"
		case len(f) == 1 && f[0] == "wait":
			if load == nil {
				return "error: no load"
			}
			loadDone.Wait()
			out := load.String()
			load = nil
			return out
		}
		return "error: unknown command " + strings.Join(f, " ")
	})
}

// tally counts calls' outcomes.
type tally struct {
	mu         sync.Mutex
	ok, failed int
	first      error
}

func (t *tally) add(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil {
		t.ok++
		return
	}
	t.failed++
	if t.first == nil {
		t.first = err
	}
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := fmt.Sprintf("done %d %d", t.ok, t.failed)
	if t.first != nil {
		out += " " + strings.ReplaceAll(t.first.Error(), "\n", " ")
	}
	return out
}

// commands answers each line of stdin with do's one-line answer.
func commands(do func(fields []string) string) error {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Println(do(strings.Fields(sc.Text())))
	}
	return sc.Err()
}
