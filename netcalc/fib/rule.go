package fib

import (
	"fmt"
	"net/netip"
	"strings"
)

// RuleAction is what a policy routing rule does when it matches, named as
// `ip rule` names it.
type RuleAction string

// Rule actions.
const (
	ActionLookup      RuleAction = "lookup" // look the destination up in Table
	ActionGoto        RuleAction = "goto"   // continue at the rule of priority Goto
	ActionNop         RuleAction = "nop"
	ActionBlackhole   RuleAction = "blackhole"
	ActionUnreachable RuleAction = "unreachable"
	ActionProhibit    RuleAction = "prohibit"
)

// Rule is one policy routing rule (`ip rule`): selectors that a packet
// must match and the action taken when it does. A zero selector matches
// everything.
type Rule struct {
	Priority int `json:"priority"`
	// Not inverts the selectors (`ip rule add not ...`).
	Not bool `json:"not,omitempty"`
	// From and To are the source and destination selectors; the zero
	// Prefix means all.
	From netip.Prefix `json:"src,omitzero"`
	To   netip.Prefix `json:"dst,omitzero"`
	// Iif and Oif name the input and output interface selectors. A
	// detached rule names an interface that does not exist (now): it never
	// matches.
	Iif         string `json:"iif,omitempty"`
	IifDetached bool   `json:"iif_detached,omitempty"`
	Oif         string `json:"oif,omitempty"`
	OifDetached bool   `json:"oif_detached,omitempty"`
	// Mark and Mask select by firewall mark: the rule matches when
	// (packet mark XOR Mark) AND Mask is zero. Mask is 0 when the rule has
	// no fwmark selector, 0xffffffff for a bare `fwmark N`.
	Mark uint32 `json:"fwmark,omitempty"`
	Mask uint32 `json:"fwmask,omitempty"`
	// Tos, IPProto, the port ranges and the UID range are selectors that a
	// route lookup without those fields (as `ip route get` makes) only
	// matches in their zero or full form.
	Tos      int        `json:"tos,omitempty"`
	IPProto  int        `json:"ipproto,omitempty"`
	Sport    *[2]uint16 `json:"sport,omitempty"`
	Dport    *[2]uint16 `json:"dport,omitempty"`
	UIDRange *[2]uint32 `json:"uid_range,omitempty"`
	TunID    uint64     `json:"tun_id,omitempty"`
	L3mdev   bool       `json:"l3mdev,omitempty"`
	Action   RuleAction `json:"action"`
	Table    int        `json:"table,omitempty"` // for ActionLookup
	Goto     int        `json:"goto,omitempty"`  // for ActionGoto: target priority
	// SuppressPrefixLength rejects a lookup result whose prefix length is
	// at most this (`suppress_prefixlength`); -1 when unset.
	SuppressPrefixLength int `json:"suppress_prefixlength"`
	// SuppressIfgroup rejects a result whose device is in this interface
	// group; -1 when unset. The walk cannot see device groups and reports
	// such a rule as not modelled.
	SuppressIfgroup int `json:"suppress_ifgroup"`
}

// DefaultRules returns the rules every new namespace starts with for
// one family: lookup local (0), main (32766) and, for IPv4, default (32767).
func DefaultRules(fam int) []Rule {
	rs := []Rule{
		{Priority: 0, Action: ActionLookup, Table: TableLocal, SuppressPrefixLength: -1, SuppressIfgroup: -1},
		{Priority: 32766, Action: ActionLookup, Table: TableMain, SuppressPrefixLength: -1, SuppressIfgroup: -1},
	}
	if fam == 4 {
		rs = append(rs, Rule{Priority: 32767, Action: ActionLookup, Table: TableDefault, SuppressPrefixLength: -1, SuppressIfgroup: -1})
	}
	return rs
}

// String formats the rule as `ip rule` lists it, without the priority:
// "from 203.0.113.1 lookup 100", "not fwmark 0x10/0xff unreachable".
func (r Rule) String() string {
	var b []string
	if r.Not {
		b = append(b, "not")
	}
	if r.From.IsValid() && r.From.Bits() > 0 {
		b = append(b, "from "+prefixString(r.From))
	} else {
		b = append(b, "from all")
	}
	if r.To.IsValid() && r.To.Bits() > 0 {
		b = append(b, "to "+prefixString(r.To))
	}
	if r.Tos != 0 {
		b = append(b, fmt.Sprintf("tos 0x%02x", r.Tos))
	}
	if r.Mask != 0 || r.Mark != 0 {
		if r.Mask == 0xffffffff {
			b = append(b, fmt.Sprintf("fwmark %#x", r.Mark))
		} else {
			b = append(b, fmt.Sprintf("fwmark %#x/%#x", r.Mark, r.Mask))
		}
	}
	if r.Iif != "" {
		s := "iif " + r.Iif
		if r.IifDetached {
			s += " [detached]"
		}
		b = append(b, s)
	}
	if r.Oif != "" {
		s := "oif " + r.Oif
		if r.OifDetached {
			s += " [detached]"
		}
		b = append(b, s)
	}
	if r.L3mdev {
		b = append(b, "l3mdev")
	}
	if r.UIDRange != nil {
		b = append(b, fmt.Sprintf("uidrange %d-%d", r.UIDRange[0], r.UIDRange[1]))
	}
	if r.IPProto != 0 {
		b = append(b, "ipproto "+ProtoName(r.IPProto))
	}
	if r.Sport != nil {
		b = append(b, portRange("sport", *r.Sport))
	}
	if r.Dport != nil {
		b = append(b, portRange("dport", *r.Dport))
	}
	if r.TunID != 0 {
		b = append(b, fmt.Sprintf("tun_id %d", r.TunID))
	}
	switch r.Action {
	case ActionLookup:
		if !r.L3mdev {
			b = append(b, "lookup "+TableName(r.Table))
		}
	case ActionGoto:
		b = append(b, fmt.Sprintf("goto %d", r.Goto))
	default:
		b = append(b, string(r.Action))
	}
	if r.SuppressPrefixLength >= 0 {
		b = append(b, fmt.Sprintf("suppress_prefixlength %d", r.SuppressPrefixLength))
	}
	if r.SuppressIfgroup >= 0 {
		b = append(b, fmt.Sprintf("suppress_ifgroup %d", r.SuppressIfgroup))
	}
	return strings.Join(b, " ")
}

func prefixString(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

func portRange(name string, r [2]uint16) string {
	if r[0] == r[1] {
		return fmt.Sprintf("%s %d", name, r[0])
	}
	return fmt.Sprintf("%s %d-%d", name, r[0], r[1])
}
