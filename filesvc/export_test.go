package filesvc

import "time"

// NameRules returns how many rules checkName applies, so that the test of
// the rules can check it walks every one.
func NameRules() int { return len(nameRules) }

// WithClock makes a Store tell the time with now, so that tests expire
// uploads without waiting.
func WithClock(now func() time.Time) StoreOption { return withClock(now) }

// KeyOf is the name of a name's files under the reserved directory.
func KeyOf(name string) string { return key(name) }
