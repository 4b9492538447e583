// Command cidr shows the netcalc library answering the classic subnetting
// question for each address given on the command line (default
// 192.168.1.10/24): which block is it in, and which hosts are usable?
//
//	go run ./examples/cidr 10.20.30.40/22 2001:db8::7/126
package main

import (
	"fmt"
	"os"

	"github.com/netcalc/netcalc/netcalc"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"192.168.1.10/24"}
	}
	status := 0
	for _, arg := range args {
		spec, err := netcalc.ParseSpec(arg)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 2
			continue
		}
		info := netcalc.DescribeSpec(spec)
		fmt.Printf("%s is in %s (%s addresses)\n", info.Address, info.Network, info.Addresses)
		fmt.Printf("  usable hosts: %s, from %s to %s\n", info.UsableHosts, info.FirstHost, info.LastHost)
		if info.Broadcast.IsValid() {
			fmt.Printf("  broadcast:    %s\n", info.Broadcast)
		}
		fmt.Printf("  rule:         %s\n", info.HostRule)
		fmt.Printf("  binary:       %s\n", netcalc.Binary(info.Address.WithZone(""), info.Bits))
	}
	os.Exit(status)
}
