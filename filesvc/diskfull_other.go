//go:build !unix && !windows

package filesvc

import (
	"errors"
	"syscall"
)

// isDiskFull reports whether err means that the file system has no room
// left.
func isDiskFull(err error) bool { return errors.Is(err, syscall.ENOSPC) }
