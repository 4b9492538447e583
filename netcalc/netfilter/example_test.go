package netfilter_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netcalc/netcalc/netcalc/netfilter"
	"github.com/netcalc/netcalc/netcalc/packet"
)

func ExampleWalker_Walk() {
	rules := `*nat
:PREROUTING ACCEPT [0:0]
:SVC - [0:0]
:EP1 - [0:0]
:EP2 - [0:0]
-A PREROUTING -d 203.0.113.10/32 -p tcp -m tcp --dport 80 -j SVC
-A SVC -m statistic --mode random --probability 0.5 -j EP1
-A SVC -j EP2
-A EP1 -p tcp -j DNAT --to-destination 198.51.100.1:8080
-A EP2 -p tcp -j DNAT --to-destination 198.51.100.2:8080
COMMIT
`
	rs, err := netfilter.Parse(strings.NewReader(rules))
	if err != nil {
		fmt.Println(err)
		return
	}
	w := &netfilter.Walker{Rules: rs, Random: func() float64 { return 0.75 }}
	res, err := w.Walk("nat", netfilter.Prerouting, netfilter.Packet{
		Src: netip.MustParseAddr("198.51.100.99"), Dst: netip.MustParseAddr("203.0.113.10"),
		Proto: packet.TCP, SrcPort: 40000, DstPort: 80, State: netfilter.CTNew,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Steps {
		fmt.Println(s.Depth, s.Action, s.Text)
	}
	fmt.Println(res.Verdict.Kind, res.Verdict.To.MinAddr, res.Verdict.To.MinPort)
	// Output:
	// 0 jump -A PREROUTING -d 203.0.113.10/32 -p tcp -m tcp --dport 80 -j SVC
	// 1 none -A SVC -m statistic --mode random --probability 0.5 -j EP1
	// 1 jump -A SVC -j EP2
	// 2 verdict -A EP2 -p tcp -j DNAT --to-destination 198.51.100.2:8080
	// DNAT 198.51.100.2 8080
}

func ExampleParse_error() {
	_, err := netfilter.Parse(strings.NewReader("*filter\n-A INPUT -m conntrack --ctstate ! NEW -j DROP\nCOMMIT\n"))
	fmt.Println(err)
	// Output:
	// netfilter: line 2: "--ctstate": expected 1 argument after --ctstate (-m conntrack), found 0; write "! --ctstate VALUE": the "!" goes before the option
}
