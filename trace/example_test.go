package trace_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"grpcwire/client"
	"grpcwire/server"
	"grpcwire/trace"
	"grpcwire/trace/tracetest"
	"grpcwire/userspb"
)

// A client traced with client.WithTrace: every frame of the call, with the
// request and response decoded. Programs pass os.Stderr; this example keeps
// the trace to print only the call's stream, without the connection's
// SETTINGS exchange.
func Example() {
	srv := server.New()
	userspb.RegisterUsersServer(srv, seedUsers{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(ln)
	defer srv.Stop()

	// Close waits for the connection's goroutines: after it the trace is
	// complete, and safe to read.
	var tr strings.Builder
	conn, err := client.Dial(ln.Addr().String(),
		client.WithTrace(&tr, trace.OmitTimes()),
		client.WithAuthority("localhost:50051"))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := userspb.NewUsersClient(conn).CreateUser(context.Background(), &userspb.CreateUserRequest{Username: "tom"})
	conn.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprintln(os.Stdout, "User created:", res.GetUser().GetUsername())
	fmt.Print(tracetest.Stream(tr.String(), 1, 1))
	// Output:
	// User created: tom
	// c1 -> HEADERS       stream=1 flags=END_HEADERS len=96  # Request-Headers
	//       :method = POST
	//       :scheme = http
	//       :path = /users.Users/CreateUser
	//       :authority = localhost:50051
	//       content-type = application/grpc
	//       te = trailers
	//       user-agent = grpc-go-grpcwire/0.1.0
	//       grpc-accept-encoding = gzip
	// c1 -> DATA          stream=1 flags=END_STREAM len=10  # EOS
	//       Length-Prefixed-Message Compressed-Flag=0 Message-Length=5 users.CreateUserRequest
	//         username: "tom"
	// c1 <- HEADERS       stream=1 flags=END_HEADERS len=14  # Response-Headers
	//       :status = 200
	//       content-type = application/grpc
	// c1 <- DATA          stream=1 len=14
	//       Length-Prefixed-Message Compressed-Flag=0 Message-Length=9 users.CreateUserResult
	//         user {
	//           username: "tom"
	//           user_id: 1
	//         }
	// c1 <- HEADERS       stream=1 flags=END_STREAM|END_HEADERS len=12  # Trailers
	//       grpc-status = 0  # OK
}
