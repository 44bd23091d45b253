package conformance

// Behind nginx: nginx's grpc_pass to an upstream of three users-servers, as
// a small deployment runs replicas behind a proxy. nginx is Debian's
// package (.ci/run installs it); without it the test skips, and under
// CI=true it fails instead.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"grpcwire/client"
	"grpcwire/userspb"
	"grpcwire/wire"
)

// nginxBinary finds nginx, or skips the test (fails it under CI=true)
// naming the Debian package.
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	msg := "nginx is not installed (Debian's package nginx: apt-get install nginx; .ci/run installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// nginxConfig is the configuration of the test, and of the README's
// "Running several replicas": nginx speaks cleartext HTTP/2 to clients
// (listen ... http2) and gRPC to the upstream (grpc_pass grpc://), which
// it balances round robin, one call at a time. Connections to the
// replicas are kept open (keepalive) rather than made per call.
const nginxConfig = `user root;
worker_processes 1;
pid {{dir}}/nginx.pid;
error_log {{dir}}/error.log info;
events { worker_connections 1024; }
http {
    access_log {{dir}}/access.log;
    client_body_temp_path {{dir}}/body;
    proxy_temp_path {{dir}}/proxy;
    fastcgi_temp_path {{dir}}/fastcgi;
    uwsgi_temp_path {{dir}}/uwsgi;
    scgi_temp_path {{dir}}/scgi;

    upstream users {
{{servers}}        keepalive 16;
    }
    server {
        listen {{listen}} http2;
        location /users.Users/ {
            grpc_pass grpc://users;
        }
    }
}
`

// TestNginxUpstreamOfUsersServers: grpcwire's client calls nginx, which
// passes the calls to three users-servers: 300 CreateUser calls spread
// 100 to each, and one users-server stopped gracefully (SIGTERM) while 10
// callers keep calling costs no call.
func TestNginxUpstreamOfUsersServers(t *testing.T) {
	checkNoLeaks(t)
	nginx := nginxBinary(t)
	bin := buildGrpcwire(t, "users-server")["users-server"]
	var replicas []*proc
	var servers strings.Builder
	for range 3 {
		p, addr := startUsersServer(t, bin, "-health=false", "-reflection=false")
		replicas = append(replicas, p)
		fmt.Fprintf(&servers, "        server %s;\n", addr)
	}
	dir := t.TempDir()
	listen := "127.0.0.1:" + freePort(t)
	conf := strings.NewReplacer("{{dir}}", dir, "{{servers}}", servers.String(), "{{listen}}", listen).Replace(nginxConfig)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	px := startProc(t, "nginx", nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"), "-g", "daemon off;")
	px.waitTCP(t, listen)
	logs := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return string(b)
	}

	cc, err := client.Dial(listen)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	users := userspb.NewUsersClient(cc)
	created := func() []int {
		n := make([]int, len(replicas))
		for i, p := range replicas {
			n[i] = strings.Count(p.out.String(), "{'user-agent': ")
		}
		return n
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*callTimeout)
	defer cancel()
	call := func() error {
		_, err := users.CreateUser(ctx, &userspb.CreateUserRequest{Username: "tom"})
		return err
	}
	for range 300 {
		if err := call(); err != nil {
			t.Fatalf("CreateUser through nginx: %v\nnginx's log:\n%s", err, logs())
		}
	}
	// Each call's metadata line is printed before its answer leaves; the
	// test reads the programs' output as it comes.
	settled := func(want int) []int {
		for {
			// Each replica's output wakes the wait as it is written.
			c0, c1, c2 := replicas[0].out.Changed(), replicas[1].out.Changed(), replicas[2].out.Changed()
			n := created()
			if n[0]+n[1]+n[2] >= want || ctx.Err() != nil {
				return n
			}
			select {
			case <-c0:
			case <-c1:
			case <-c2:
			case <-ctx.Done():
			}
		}
	}
	got := settled(300)
	t.Logf("nginx round robin, 300 calls over 3 users-servers: %v", got)
	if !slices.Equal(got, []int{100, 100, 100}) {
		t.Errorf("300 calls through nginx spread %v over the three users-servers, want 100 each", got)
	}

	// Ten callers, and replica 1 stops gracefully after its 30th call of
	// the load.
	const total, callers = 600, 10
	before := created()
	var failed atomic.Int64
	var first atomic.Value
	var next atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for next.Add(1) <= total && ctx.Err() == nil {
				if err := call(); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	// The load runs meanwhile.
	replicas[1].waitUntil(t, "about 30 more calls", 3*callTimeout, func(out string) bool {
		return strings.Count(out, "{'user-agent': ")-before[1] >= 30
	})
	stopErr := replicas[1].stop(t)
	wg.Wait()
	after := minusInts(settled(300+total), before)
	t.Logf("graceful stop of 1 of 3 users-servers behind nginx under %d callers: %d calls (per replica %v), %d failed", callers, total, after, failed.Load())
	if stopErr != nil {
		t.Errorf("users-server after SIGTERM: %v, want exit 0", stopErr)
	}
	if n := failed.Load(); n != 0 {
		t.Errorf("%d calls failed while a users-server stopped gracefully, want none; the first: %v\nnginx's log:\n%s", n, first.Load(), logs())
	}
	if sum := after[0] + after[1] + after[2]; sum != total {
		t.Errorf("the replicas served %d calls, want %d", sum, total)
	}
	// After the stop, calls go on to the other two.
	if err := call(); wire.CodeOf(err) != wire.OK {
		t.Errorf("a call after the stop: %v", err)
	}
}

func minusInts(a, b []int) []int {
	d := make([]int, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}
