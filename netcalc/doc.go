// Package netcalc is exact IP address math over net/netip: parsing with
// precise errors, prefix descriptions (netmask, network, broadcast, usable
// hosts, counts as exact integers), IANA special-purpose classification and
// the binary view of a prefix, for IPv4 and IPv6 alike. It does no I/O.
package netcalc
