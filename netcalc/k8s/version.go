package k8s

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Kubernetes minor release, such as 1.34. The zero Version
// means Latest.
type Version struct {
	Major, Minor int
}

// Latest is the newest release whose rules this package knows (the sources
// were read at v1.37.2). Plans for the zero Version use it.
var Latest = Version{1, 37}

// ParseVersion parses "1.34", "v1.34" or "1.34.2" (the patch is ignored).
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("k8s: %q is not a Kubernetes version, want MAJOR.MINOR such as 1.34", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p == "" || p[0] == '+' || p[0] == '-' {
			return Version{}, fmt.Errorf("k8s: %q is not a Kubernetes version, want MAJOR.MINOR such as 1.34", s)
		}
		n[i] = v
	}
	if n[0] != 1 {
		return Version{}, fmt.Errorf("k8s: %q is not a Kubernetes 1.x version, want 1.MINOR such as 1.34", s)
	}
	return Version{n[0], n[1]}, nil
}

// IsZero reports whether v is the zero Version (meaning Latest).
func (v Version) IsZero() bool { return v == Version{} }

// orLatest returns v, or Latest for the zero Version.
func (v Version) orLatest() Version {
	if v.IsZero() {
		return Latest
	}
	return v
}

// Less reports whether v is an older release than w.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// AtLeast reports whether v is w or newer.
func (v Version) AtLeast(w Version) bool { return !v.Less(w) }

// String returns "1.34".
func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// MarshalText implements encoding.TextMarshaler.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Versions is the range of Kubernetes releases where a rule holds; a zero
// bound is open.
type Versions struct {
	From, To Version
}

// String returns "all", ">= 1.34", "<= 1.33" or "1.26-1.33".
func (r Versions) String() string {
	switch {
	case r.From.IsZero() && r.To.IsZero():
		return "all"
	case r.To.IsZero():
		return ">= " + r.From.String()
	case r.From.IsZero():
		return "<= " + r.To.String()
	}
	return r.From.String() + "-" + r.To.String()
}

// Contains reports whether v lies in r.
func (r Versions) Contains(v Version) bool {
	if !r.From.IsZero() && v.Less(r.From) {
		return false
	}
	if !r.To.IsZero() && r.To.Less(v) {
		return false
	}
	return true
}
