package tap

// Buffered returns the capacity of the payload buffer d keeps between
// frames, so that tests can check that a large frame's is released.
func Buffered(d *Direction) int { return cap(d.payload) }
