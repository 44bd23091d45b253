package bench

import "net"

// ImplTCP's server, the streaming floor's (floor.go): it writes tcpWrite
// bytes at a time to every accepted connection until the connection fails,
// the direction of a server-streaming call, for the load generator to read
// 1 MiB messages from.
//
// The size of the writes sets the figure: on the 2-core machine of the
// README, loopback carried about 3.5 GB/s in 256 KiB writes (the sender's
// core saturated) and about 5 GB/s in 1 MiB ones (README.md, "Why 1 MiB
// streaming moved"). 1 MiB is what grpcwire's writer hands the kernel per
// writev while streaming 1 MiB messages, so it is the floor's.
func serveStream(c net.Conn) {
	buf := make([]byte, tcpWrite)
	for {
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}
