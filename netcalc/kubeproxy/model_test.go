package kubeproxy

import (
	"errors"
	"testing"

	"github.com/netcalc/netcalc/netcalc/packet"
)

func TestParseProtocol(t *testing.T) {
	for _, tt := range []struct {
		name, in   string
		want       packet.Protocol
		outOfRange bool
	}{
		{name: "lower", in: "tcp", want: packet.TCP},
		{name: "upper, as manifests spell it", in: "UDP", want: packet.UDP},
		{name: "number", in: "132", want: packet.SCTP},
		{name: "not proxied", in: "icmp"},
		{name: "number not proxied", in: "47"},
		{name: "number out of range", in: "300", outOfRange: true},
		{name: "negative number", in: "-1", outOfRange: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProtocol(tt.in)
			if tt.want != 0 {
				if err != nil || got != tt.want {
					t.Errorf("ParseProtocol(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Text != tt.in || pe.OutOfRange != tt.outOfRange {
				t.Errorf("ParseProtocol(%q) = %v, %v; want a *ProtocolError{%q, OutOfRange %v}", tt.in, got, err, tt.in, tt.outOfRange)
			}
		})
	}
}
