package conformance

import (
	"bytes"
	"testing"

	"grpcwire/conformance/echopb"
)

// Streams that carry much more than HTTP/2's initial 65,535-byte windows,
// so that both sides must keep sending WINDOW_UPDATE for the stream and
// the connection for the calls to finish.
const (
	flowMessages = 8
	flowMessage  = 512 << 10
)

// TestFlowControl streams 4 MiB each way in 512 KiB messages, on the three
// streaming kinds.
func TestFlowControl(t *testing.T) {
	payload := bytes.Repeat([]byte{0x5a}, flowMessage)
	forDirections(t, withoutGRPCGoControl, serverConfig{}, func(t *testing.T, p *pair) {
		t.Run("server_stream", func(t *testing.T) {
			out := p.client.serverStream(callContext(t), callOpts{}, &echopb.EchoRequest{ResponseSize: flowMessage, ResponseCount: flowMessages})
			checkFlow(t, out, flowMessages, flowMessage)
		})
		reqs := make([]*echopb.EchoRequest, flowMessages)
		for i := range reqs {
			reqs[i] = &echopb.EchoRequest{Payload: payload}
		}
		t.Run("client_stream", func(t *testing.T) {
			out := p.client.clientStream(callContext(t), callOpts{}, reqs)
			checkFlow(t, out, 1, flowMessage)
			if len(out.responses) == 1 && out.responses[0].RequestBytes != flowMessages*flowMessage {
				t.Errorf("the server counted %d request bytes, want %d", out.responses[0].RequestBytes, flowMessages*flowMessage)
			}
		})
		t.Run("bidi", func(t *testing.T) {
			out := p.client.bidi(callContext(t), callOpts{}, reqs)
			checkFlow(t, out, flowMessages, flowMessage)
		})
	})
}

func checkFlow(t *testing.T, out outcome, n, size int) {
	t.Helper()
	if out.code != 0 {
		t.Fatalf("call failed: %v", out)
	}
	if len(out.responses) != n {
		t.Fatalf("got %d responses, want %d", len(out.responses), n)
	}
	for i, res := range out.responses {
		if len(res.Payload) != size {
			t.Errorf("response %d has %d bytes, want %d", i, len(res.Payload), size)
		}
	}
}
