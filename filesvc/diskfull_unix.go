//go:build unix

package filesvc

import (
	"errors"
	"syscall"
)

// isDiskFull reports whether err means that the file system has no room
// left: ENOSPC, or EDQUOT when the user's quota is used up.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
