package filesvc

import (
	"grpcwire/client"
	"grpcwire/server"
)

// ServerOptions are the options of a server of file transfers, which
// cmd/files-server uses: flow-control windows of StreamWindow per stream
// and ConnWindow per connection, so that an upload never waits for credit.
func ServerOptions() []server.Option {
	return []server.Option{
		server.InitialWindowSize(StreamWindow),
		server.InitialConnWindowSize(ConnWindow),
	}
}

// ClientOptions are the options of a client of file transfers, which
// cmd/files uses: the same windows, so that a download never waits for
// credit.
func ClientOptions() []client.Option {
	return []client.Option{
		client.WithInitialWindowSize(StreamWindow),
		client.WithInitialConnWindowSize(ConnWindow),
	}
}
