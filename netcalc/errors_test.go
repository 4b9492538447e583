package netcalc

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"testing"
)

// TestMessage checks that every error type of the package says the same
// thing through Error (with the package prefix, and for *Error the
// sentinel's words) and through Message (without them), that errors.Is
// still finds the sentinel, and that a wrapper adding no words keeps the
// bare message reachable.
func TestMessage(t *testing.T) {
	_, parseErr := ParseAddr("10.0.0.256")
	_, addErr := AddrAdd(netip.MustParseAddr("255.255.255.255"), big.NewInt(1))
	_, famErr := AddrDistance(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::1"))
	_, splitErr := SplitPrefix(netip.MustParsePrefix("10.0.0.0/24"), 16)
	_, vlsmErr := PlanVLSM(netip.MustParsePrefix("10.0.0.0/30"), []Request{{Hosts: CountFromUint64(100)}})
	listErr := &ListError{Source: "list.txt", Line: 3, Input: "10.0.0.256", Err: parseErr}
	foreign := errors.New("netcalc: not ours")
	tests := []struct {
		name     string
		err      error
		sentinel error
		error    string
		message  string
	}{
		{"parse", parseErr, ErrOctetRange, `netcalc: "10.0.0.256": ` + parseErr.(*ParseError).Msg, `"10.0.0.256": ` + parseErr.(*ParseError).Msg},
		{"calc with value", addErr, ErrOutOfRange,
			"netcalc: 255.255.255.255: adding 1 goes past 255.255.255.255, the last IPv4 address: out of range",
			"255.255.255.255: adding 1 goes past 255.255.255.255, the last IPv4 address"},
		{"calc without value", famErr, ErrFamily,
			"netcalc: 10.0.0.1 and ::1 are not of one family: mixed address families",
			"10.0.0.1 and ::1 are not of one family"},
		{"planner", splitErr, ErrSplitLength,
			"netcalc: cannot split 10.0.0.0/24 into /16 subnets: the new prefix length must be 24-32",
			"cannot split 10.0.0.0/24 into /16 subnets: the new prefix length must be 24-32"},
		{"no fit", vlsmErr, ErrNoRoom, "netcalc: " + Message(vlsmErr), Message(vlsmErr)},
		{"list line", listErr, ErrOctetRange, "netcalc: list.txt:3: " + Message(parseErr), "list.txt:3: " + Message(parseErr)},
		{"wrapped without words", fmt.Errorf("%w", addErr), ErrOutOfRange, addErr.Error(), Message(addErr)},
		{"foreign", foreign, nil, "netcalc: not ours", "netcalc: not ours"},
		{"foreign with a Message method", otherErr{}, nil, "other: words", "other: words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.error {
				t.Errorf("Error() = %q; want %q", got, tt.error)
			}
			if got := Message(tt.err); got != tt.message {
				t.Errorf("Message() = %q; want %q", got, tt.message)
			}
			if tt.sentinel != nil && !errors.Is(tt.err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.sentinel)
			}
			if tt.sentinel != nil && strings.HasPrefix(Message(tt.err), "netcalc: ") {
				t.Errorf("Message(%v) keeps the package prefix", tt.err)
			}
		})
	}
	var ce *Error
	if !errors.As(addErr, &ce) || ce.Value != "255.255.255.255" {
		t.Errorf("errors.As(AddrAdd error, *Error): Value = %+v; want 255.255.255.255", ce)
	}
}

// otherErr is another package's error with a Message method of its own,
// which Message must not call.
type otherErr struct{}

func (otherErr) Error() string   { return "other: words" }
func (otherErr) Message() string { return "words" }
