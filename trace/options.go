package trace

import "google.golang.org/protobuf/reflect/protoreflect"

// An Option configures a Tracer.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is a Tracer's settings, fixed when it is made.
type config struct {
	omitTimes  bool
	showValues bool
	maxMessage int
	outs       []output                                                 // JSONTo, HTMLTo
	findMethod func(path string) (protoreflect.MethodDescriptor, error) // FindMethods
	// summarizeData shows runs of DATA frames in the middle of one
	// message as one line (SummarizeData).
	summarizeData bool
}

func defaultConfig() config {
	return config{maxMessage: DefaultMaxMessageSize}
}

// OmitTimes leaves the elapsed time out of every line, so that the trace of a
// call is the same text on every run: tests compare it line by line, and the
// README's walk-through is regenerated from it.
func OmitTimes() Option {
	return optionFunc(func(c *config) { c.omitTimes = true })
}

// ShowValues prints the values of Custom-Metadata header fields, which are
// redacted by default (only their length is shown) because metadata often
// carries credentials such as authorization tokens. Use it on a trace that
// stays on your own screen.
func ShowValues() Option {
	return optionFunc(func(c *config) { c.showValues = true })
}

// MaxMessageSize sets how many bytes of one message (after decompression)
// the trace keeps to decode it; DefaultMaxMessageSize when not set. Larger
// messages are shown by their Length-Prefixed-Message prefix only. Zero or
// less turns message decoding off.
func MaxMessageSize(n int) Option {
	return optionFunc(func(c *config) { c.maxMessage = n })
}

// FlagOptions returns the options the programs' -trace-values and
// -trace-times flags ask for: ShowValues when showValues, OmitTimes unless
// showTimes.
func FlagOptions(showValues, showTimes bool) []Option {
	var opts []Option
	if showValues {
		opts = append(opts, ShowValues())
	}
	if !showTimes {
		opts = append(opts, OmitTimes())
	}
	return opts
}
