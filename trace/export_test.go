package trace

// Tracked returns how many streams the connection's trace is following, so
// that tests can check that ended streams are forgotten.
func (c *ConnTrace) Tracked() int {
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	return len(c.streams)
}
