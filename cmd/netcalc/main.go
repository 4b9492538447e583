// Command netcalc computes, explains and looks up IP networking facts: CIDR
// math, subnet planning, DNS resolution, ARP/NDP, NAT and kube-proxy tables.
package main

import (
	"os"

	"github.com/netcalc/netcalc/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
