package conntrack

import (
	"encoding/binary"
	"net/netip"

	"github.com/netcalc/netcalc/netcalc/packet"
)

// Key is a Tuple packed into five words without pointers, so that a
// million entries cost the garbage collector nothing to scan and two keys
// compare in five word compares. The zero Key is no tuple.
type Key struct {
	S0, S1, D0, D1 uint64 // source and destination, 16 bytes each, big-endian (IPv4-mapped for IPv4)
	Meta           uint64 // sport | dport<<16 | proto<<32 | type<<40 | code<<48 | v4<<56
}

// AddrWords returns a's 16 bytes (IPv4-mapped for IPv4) as two big-endian
// words, as a Key stores it.
func AddrWords(a netip.Addr) (uint64, uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// Pack returns t as a Key.
func Pack(t Tuple) Key {
	var k Key
	k.S0, k.S1 = AddrWords(t.Src)
	k.D0, k.D1 = AddrWords(t.Dst)
	k.Meta = uint64(t.SrcPort) | uint64(t.DstPort)<<16 | uint64(t.Proto)<<32 | uint64(t.Type)<<40 | uint64(t.Code)<<48
	if t.Src.Is4() {
		k.Meta |= 1 << 56
	}
	return k
}

func unpackAddr(w0, w1 uint64, v4 bool) netip.Addr {
	if v4 {
		return netip.AddrFrom4([4]byte{byte(w1 >> 24), byte(w1 >> 16), byte(w1 >> 8), byte(w1)})
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], w0)
	binary.BigEndian.PutUint64(b[8:], w1)
	return netip.AddrFrom16(b)
}

// V4 reports whether the key holds IPv4 addresses.
func (k *Key) V4() bool { return k.Meta>>56&1 != 0 }

// SrcPort returns the source port (the echo identifier for ICMP).
func (k *Key) SrcPort() uint16 { return uint16(k.Meta) }

// Proto returns the protocol.
func (k *Key) Proto() packet.Protocol { return packet.Protocol(k.Meta >> 32) }

// Src returns the source address.
func (k *Key) Src() netip.Addr { return unpackAddr(k.S0, k.S1, k.V4()) }

// Dst returns the destination address.
func (k *Key) Dst() netip.Addr { return unpackAddr(k.D0, k.D1, k.V4()) }

// DstID returns the port naming the destination, as Tuple.DstID.
func (k *Key) DstID() uint16 {
	if k.Proto().IsICMP() {
		return k.SrcPort()
	}
	return uint16(k.Meta >> 16)
}

// Tuple returns the key as a Tuple.
func (k *Key) Tuple() Tuple {
	return Tuple{Proto: k.Proto(), Src: k.Src(), Dst: k.Dst(), SrcPort: k.SrcPort(),
		DstPort: uint16(k.Meta >> 16), Type: uint8(k.Meta >> 40), Code: uint8(k.Meta >> 48)}
}

// Mix64 is the 64-bit finaliser of MurmurHash3, the mixing step of every
// hash in this package.
func Mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// Hash returns the key's hash in the tuple table.
func (k *Key) Hash() uint64 {
	h := Mix64(k.Meta ^ k.S1 ^ Mix64(k.S0+0x9e3779b97f4a7c15))
	return Mix64(h ^ k.D1 ^ Mix64(k.D0^h))
}

// Reverse returns the key of Tuple.Reverse without unpacking: addresses
// and ports swapped, or for ICMP the identifier kept and an echo type
// answered.
func (k *Key) Reverse() Key {
	r := Key{S0: k.D0, S1: k.D1, D0: k.S0, D1: k.S1}
	p := k.Proto()
	if p.IsICMP() {
		typ := ReplyType(p, uint8(k.Meta>>40))
		r.Meta = k.Meta&^(0xff<<40) | uint64(typ)<<40
		return r
	}
	r.Meta = k.Meta>>16&0xffff | (k.Meta&0xffff)<<16 | k.Meta&^0xffffffff
	return r
}
