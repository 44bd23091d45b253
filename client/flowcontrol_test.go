package client_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/synctest"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"grpcwire/client"
	"grpcwire/internal/testkit/h2test"
	"grpcwire/internal/testkit/testsvc"
	"grpcwire/server"
	"grpcwire/wire"
)

// TestCancelWhileBlockedInSend: a sender blocked by flow control (the
// handler reads nothing) is released by the call's cancellation: Send
// returns io.EOF and Recv the status, and nothing hangs. synctest.Wait
// returns once every goroutine of the bubble is blocked, which is when the
// windows are full and the sender waits for credit that never comes.
func TestCancelWhileBlockedInSend(t *testing.T) {
	h2test.VerifyNoLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		cc := pipeStart(t, &testsvc.Service{
			Chat: func(st server.BidiStreamingServer[wrapperspb.StringValue, wrapperspb.StringValue]) error {
				close(started)
				<-st.Context().Done()
				return nil
			},
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		bs, err := client.NewBidiStream[wrapperspb.StringValue, wrapperspb.StringValue](ctx, cc, testsvc.ChatPath)
		if err != nil {
			t.Fatal(err)
		}
		const chunkSize = 64 << 10
		chunk := wrapperspb.String(strings.Repeat("x", chunkSize))
		n := 0
		sent := make(chan error, 1)
		go func() {
			for {
				if err := bs.Send(chunk); err != nil {
					sent <- err
					return
				}
				n++
			}
		}()
		<-started
		synctest.Wait()
		if n*chunkSize > 2*wire.DefaultInitialWindowSize {
			t.Errorf("%d KiB sent to a handler that reads nothing; flow control should stop the sender after the 1 MiB window", n*chunkSize>>10)
		}
		cancel()
		if err := <-sent; err != io.EOF {
			t.Errorf("blocked Send returned %v, want io.EOF", err)
		}
		_, err = bs.Recv()
		wantStatus(t, err, wire.Canceled)
	})
}
