package trace

// DefaultMaxMessageSize is how many bytes of one message the trace keeps to
// decode it: 64 KiB shows every message of a tutorial or a typical API in
// full, while a stream of large messages costs at most this much per stream
// and direction. Larger messages are shown by their prefix only. Change it
// with MaxMessageSize.
const DefaultMaxMessageSize = 64 << 10

// DefaultMaxStreams is how many streams of one connection the trace follows
// at once to decode their messages: 100, the lowest SETTINGS_MAX_CONCURRENT_STREAMS
// RFC 9113 recommends ("no smaller than 100"), so an ordinary connection is
// followed in full. With DefaultMaxMessageSize it bounds the trace's memory
// per connection. Streams beyond it are still shown frame by frame.
const DefaultMaxStreams = 100

// typeWidth is the width of the frame-type column: the longest type name,
// WINDOW_UPDATE, so that stream ids line up.
const typeWidth = len("WINDOW_UPDATE")
