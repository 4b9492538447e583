package netcalc

import (
	"strconv"
	"strings"
)

// AppendShell appends the description as NAME=value lines for a POSIX
// shell, for `eval "$(netcalc cidr -o shell ADDR)"`, values quoted as one
// shell word each. Names that ipcalc-ng's shell output has (ADDRESS, NETMASK, PREFIX, BROADCAST, NETWORK, MINADDR,
// MAXADDR, ADDRSPACE, ADDRESSES) keep ipcalc-ng's meaning: MINADDR and
// MAXADDR are the first and last usable host, ADDRESSES the number of
// usable hosts. netcalc's own names follow its JSON fields. Every name is
// printed for every input, empty where there is no value (BROADCAST of a
// /31, /32 or IPv6 block), so that a value never leaks from a previous eval.
func (in Info) AppendShell(dst []byte) []byte {
	v := "6"
	if in.Address.Is4() {
		v = "4"
	}
	broadcast := ""
	if in.Broadcast.IsValid() {
		broadcast = in.Broadcast.String()
	}
	space := "Global Unicast" // an IPv4 address in no special-purpose entry
	switch {
	case len(in.Registry) > 0:
		space = in.Registry[0].Name
	case in.AddressSpace.Prefix.IsValid():
		space = in.AddressSpace.Name
	}
	decidedPrefix := ""
	if in.DecidedBy.Entry.Prefix.IsValid() {
		decidedPrefix = in.DecidedBy.Entry.Prefix.String()
	}
	for _, kv := range [...][2]string{
		{"ADDRESS", in.Address.String()},
		{"NETMASK", MaskString(in.Netmask)},
		{"PREFIX", strconv.Itoa(in.Bits)},
		{"BROADCAST", broadcast},
		{"NETWORK", in.Network.Addr().String()},
		{"MINADDR", in.FirstHost.String()},
		{"MAXADDR", in.LastHost.String()},
		{"ADDRSPACE", space},
		{"ADDRESSES", in.UsableHosts.String()},
		{"VERSION", v},
		{"CIDR", in.Network.String()},
		{"WILDCARD", MaskString(in.Wildcard)},
		{"TOTAL_ADDRESSES", in.Addresses.String()},
		{"GLOBALLY_REACHABLE", strconv.FormatBool(in.GloballyReachable)},
		{"DECIDED_BY_REGISTRY", in.DecidedBy.Registry},
		{"DECIDED_BY_PREFIX", decidedPrefix},
		{"PTR", in.PTR},
	} {
		dst = append(dst, kv[0]...)
		dst = append(dst, '=')
		dst = appendShellQuoted(dst, kv[1])
		dst = append(dst, '\n')
	}
	return dst
}

// appendShellQuoted appends s as one POSIX shell word: as is when it holds
// only characters no shell treats specially, else in single quotes with
// each single quote closing the quotes, escaped with a backslash and
// reopening them. The empty string stays empty (NAME= sets "").
func appendShellQuoted(dst []byte, s string) []byte {
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.,:/%+@=-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return append(dst, s...)
	}
	dst = append(dst, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			dst = append(dst, `'\''`...)
		} else {
			dst = append(dst, s[i])
		}
	}
	return append(dst, '\'')
}
