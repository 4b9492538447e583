//go:build !linux

package link

// Open returns ErrUnsupported: netcalc's link layer needs Linux netlink.
func Open(netns string) (*Host, error) {
	return nil, &Error{Op: "open", Err: ErrUnsupported}
}

func isUnreachable(error) bool { return false }
