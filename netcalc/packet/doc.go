// Package packet holds what netcalc's simulators share about a packet: its
// Protocol (one type for conntrack, nat, netfilter, kubeproxy and topo), the
// Tuple that names a flow, and the typed Step each simulator returns for one
// thing it did to a packet. A Step carries data, not sentences: the words
// are the printers' (netcalc's command line), so a program that imports a
// simulator gets the same facts the command prints and can say them its own
// way.
package packet
