package netfilter

import (
	"net/netip"
	"time"
)

// Recent holds the lists of the recent match (/proc/net/xt_recent/NAME):
// for each list name, the addresses seen and when each was last seen. The
// walker reads and updates it; the caller keeps it from one walk to the
// next so that later packets see what earlier ones set. The zero Recent is
// empty and ready to use; it is not safe for concurrent walks.
type Recent struct {
	lists map[string]map[netip.Addr]time.Time
}

// Set records that addr was seen at t in list name (--set, --update).
func (r *Recent) Set(name string, addr netip.Addr, t time.Time) {
	if r.lists == nil {
		r.lists = make(map[string]map[netip.Addr]time.Time)
	}
	l := r.lists[name]
	if l == nil {
		l = make(map[netip.Addr]time.Time)
		r.lists[name] = l
	}
	l[addr] = t
}

// LastSeen returns when addr was last seen in list name, and whether it is
// in the list.
func (r *Recent) LastSeen(name string, addr netip.Addr) (time.Time, bool) {
	t, ok := r.lists[name][addr]
	return t, ok
}

// Remove deletes addr from list name (--remove).
func (r *Recent) Remove(name string, addr netip.Addr) { delete(r.lists[name], addr) }

// reap deletes the entries of list name last seen before cutoff (--reap).
func (r *Recent) reap(name string, cutoff time.Time) {
	for a, t := range r.lists[name] {
		if t.Before(cutoff) {
			delete(r.lists[name], a)
		}
	}
}

// Len returns the number of addresses in list name.
func (r *Recent) Len(name string) int { return len(r.lists[name]) }
