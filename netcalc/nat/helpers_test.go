package nat

import "go4.org/netipx"

func mustRange(s string) netipx.IPRange {
	r, err := ParseRange(s)
	if err != nil {
		panic(err)
	}
	return r
}
