// Package rawh2 is a scripted HTTP/2 client for black-box checks of gRPC
// servers: it writes exactly the frames a check asks for, protocol
// violations included (a pseudo-header after a regular one, a field name in
// upper case, DATA beyond what a message prefix announced), and hands back
// exactly the frames the server sent, so that a check can judge the
// server's answer against the sentence of the spec it tests.
//
// It is built on golang.org/x/net/http2's Framer and hpack directly, like
// the test kit internal/testkit/h2test, but it is part of the grpcwire
// command and so imports nothing of package testing: failures are errors
// a check turns into its result, never test failures.
//
// A Conn is used by one goroutine, which writes frames and reads the
// server's. There is no background reader: while a write waits for
// flow-control window the same goroutine reads the server's frames (and
// keeps those not about the window for later), so a check is a
// deterministic conversation and nothing outlives Close.
//
// The connection follows the rules a check is not about, so that a check
// tests one thing: it acknowledges the server's SETTINGS and PINGs, applies
// the server's SETTINGS_INITIAL_WINDOW_SIZE and SETTINGS_MAX_FRAME_SIZE,
// honours its flow-control windows when sending DATA, and (unless
// Config.ManualWindow) gives back receive window for every DATA frame read.
package rawh2
