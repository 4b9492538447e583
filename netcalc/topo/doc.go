// Package topo reads a network topology file (nodes that are network
// namespaces, their interfaces, bridges, routes in `ip route` syntax, sysctls
// and iptables-save text, joined by veth links in containerlab's short form),
// derives what the kernel would add on its own (connected and local routes,
// link-local addresses, interfaces created by links, default MAC addresses),
// lints what the kernel accepts but a person did not mean, expands the k8s
// generator block into a plain topology, and draws the result. It does no
// I/O beyond reading the io.Reader it is given.
package topo
