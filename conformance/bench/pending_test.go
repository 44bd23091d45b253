//go:build grpcwire_pending

package bench

func init() { runPending = true }
