package filesvc

import "io"

// SetWrapWriter wraps the writer of every upload's temporary file, for
// tests that make writes fail where no real file system can be filled.
func (s *Store) SetWrapWriter(f func(io.Writer) io.Writer) { s.wrapWriter = f }

// NameRules returns how many rules checkName applies, so that the test of
// the rules can check it walks every one.
func NameRules() int { return len(nameRules) }
