// Package netcalc is exact IP address math over net/netip: parsing with
// precise, typed errors (ParseError, Error, Message), prefix descriptions
// (netmask, network, broadcast, usable hosts, counts as exact integers),
// IANA special-purpose classification, the binary view of a prefix,
// address sets with their overlaps and covers, splits and VLSM plans,
// address arithmetic and conversions, and the JSON and shell forms the
// commands write, for IPv4 and IPv6 alike. It does no I/O.
package netcalc
