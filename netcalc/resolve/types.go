package resolve

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Type is a DNS resource record type (RFC 1035 §3.2.2 and its successors).
// The zero Type is not a valid type.
type Type uint16

// Record types netcalc names in its documentation; any other type is
// available through ParseType.
const (
	TypeA     Type = 1
	TypeNS    Type = 2
	TypeCNAME Type = 5
	TypeSOA   Type = 6
	TypePTR   Type = 12
	TypeMX    Type = 15
	TypeTXT   Type = 16
	TypeAAAA  Type = 28
	TypeSRV   Type = 33
	TypeANY   Type = 255 // a query for every type (RFC 1035 "*"); see Resolver.Lookup
	TypeCAA   Type = 257
)

// ParseType returns the type named s, case-insensitively: a mnemonic such
// as "MX" or "caa", or the RFC 3597 generic form "TYPE65". It returns a
// *NameError wrapping ErrBadType for anything else.
func ParseType(s string) (Type, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if t, ok := typeByName(u); ok {
		return t, nil
	}
	if n, ok := strings.CutPrefix(u, "TYPE"); ok {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil && v > 0 {
			return Type(v), nil
		}
	}
	return 0, &NameError{Name: s, Msg: "not a DNS record type, want a name such as A, AAAA, MX, TXT or TYPE65", Err: ErrBadType}
}

// MustParseType is ParseType for literals and tests; it panics on error.
func MustParseType(s string) Type {
	t, err := ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

// String returns the type's mnemonic ("AAAA"), or "TYPEn" for a type
// without one.
func (t Type) String() string {
	if s, ok := typeName(t); ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// MarshalText returns String.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText parses the text with ParseType.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// IsAddress reports whether t is A or AAAA, the types a hosts file answers.
func (t Type) IsAddress() bool { return t == TypeA || t == TypeAAAA }

// Rcode is a DNS response code (RFC 1035 §4.1.1, RFC 6895). RcodeSuccess
// (NOERROR) is the zero value.
type Rcode int

// Response codes netcalc acts on.
const (
	RcodeSuccess  Rcode = 0 // NOERROR
	RcodeFormErr  Rcode = 1 // FORMERR
	RcodeServFail Rcode = 2 // SERVFAIL: temporary failure, try the next server
	RcodeNXDomain Rcode = 3 // NXDOMAIN: the name does not exist; final for that name
	RcodeNotImp   Rcode = 4 // NOTIMP
	RcodeRefused  Rcode = 5 // REFUSED: try the next server
)

var rcodeNames = [...]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"}

// String returns the RFC mnemonic ("NXDOMAIN"), or "RCODEn".
func (r Rcode) String() string {
	if r >= 0 && int(r) < len(rcodeNames) {
		return rcodeNames[r]
	}
	return "RCODE" + strconv.Itoa(int(r))
}

// MarshalText returns String.
func (r Rcode) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Transport is how a query travelled.
type Transport string

// Transports.
const (
	UDP Transport = "udp"
	TCP Transport = "tcp"
)

// Source is a name-service source from nsswitch.conf(5)'s "hosts:" line.
type Source string

// Sources netcalc implements.
const (
	Files Source = "files" // the hosts file
	DNS   Source = "dns"   // DNS with the resolv.conf configuration
)

// Answer is one resource record of an answer, in presentation form.
// Records from a hosts file have TTL 0.
type Answer struct {
	Name string `json:"name"` // owner name, fully qualified ("web.example.test.")
	Type Type   `json:"type"`
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"` // RDATA in zone-file form: "198.51.100.10", "10 mail.example.test."
}

// Addr returns the address of an A or AAAA answer; ok is false for other
// types.
func (a Answer) Addr() (addr netip.Addr, ok bool) {
	if !a.Type.IsAddress() {
		return netip.Addr{}, false
	}
	addr, err := netip.ParseAddr(a.Data)
	return addr, err == nil
}

// String returns the answer as a zone-file line: "NAME TTL IN TYPE DATA".
func (a Answer) String() string {
	return fmt.Sprintf("%s\t%d\tIN\t%s\t%s", a.Name, a.TTL, a.Type, a.Data)
}

// Query is one DNS query netcalc sent and what came of it. It marshals to
// JSON as {"name", "type", "server", "transport", "rcode" (null when no
// usable reply came), "outcome" (see Outcome), "answers", "rtt_ms",
// "truncated", "error" (only when Err is set)}.
type Query struct {
	Name      string // the candidate name, A-labels, fully qualified
	Type      Type
	Server    netip.AddrPort
	Transport Transport
	// Rcode is the reply's response code; meaningless when Err is set.
	Rcode     Rcode
	Answers   int // records in the answer section
	RTT       time.Duration
	Truncated bool
	// Authoritative and RecursionAvailable are the reply's AA and RA bits.
	Authoritative      bool
	RecursionAvailable bool
	// Err is why no usable reply came (timeout, mismatched reply, network
	// error), or nil.
	Err error
}

// MarshalJSON writes the query in the form given in Query's comment.
func (q Query) MarshalJSON() ([]byte, error) {
	j := struct {
		Name      string         `json:"name"`
		Type      Type           `json:"type"`
		Server    netip.AddrPort `json:"server"`
		Transport Transport      `json:"transport"`
		Rcode     *Rcode         `json:"rcode"`
		Outcome   string         `json:"outcome"`
		Answers   int            `json:"answers"`
		RTTms     float64        `json:"rtt_ms"`
		Truncated bool           `json:"truncated"`
		Error     string         `json:"error,omitempty"`
	}{Name: q.Name, Type: q.Type, Server: q.Server, Transport: q.Transport, Outcome: q.Outcome(),
		Answers: q.Answers, RTTms: float64(q.RTT.Microseconds()) / 1000, Truncated: q.Truncated}
	if q.Err != nil {
		j.Error = q.Err.Error()
	} else {
		rc := q.Rcode
		j.Rcode = &rc
	}
	return json.Marshal(j)
}

// Outcome summarises the query's result in a word: "TIMEOUT", "MISMATCH"
// (reply ID or question differ), "NOT-AWAITED" (musl took another
// server's answer first) or "ERROR" when no usable reply came,
// "TRUNCATED" for a reply with the TC bit (retried over TCP), "NODATA" for
// NOERROR with no answers, else the rcode ("NOERROR", "NXDOMAIN", ...).
func (q Query) Outcome() string {
	switch {
	case q.Err != nil && errors.Is(q.Err, ErrTimeout):
		return "TIMEOUT"
	case q.Err != nil && errors.Is(q.Err, ErrMismatch):
		return "MISMATCH"
	case q.Err != nil && errors.Is(q.Err, ErrNotAwaited):
		return "NOT-AWAITED"
	case q.Err != nil:
		return "ERROR"
	case q.Truncated:
		return "TRUNCATED"
	case q.Rcode == RcodeSuccess && q.Answers == 0:
		return "NODATA"
	}
	return q.Rcode.String()
}

// Result is what a lookup found and how. A failed lookup still returns its
// Result, with the queries it sent.
type Result struct {
	// Query is the name as the caller gave it.
	Query string `json:"query"`
	// Types are the record types asked for.
	Types []Type `json:"types"`
	// Source is where the answer came from: Files or DNS; "" when nothing
	// answered (then omitted from JSON).
	Source Source `json:"source,omitempty"`
	// HostsFile and HostsLines locate the hosts-file lines that answered,
	// every one of them, in file order (a name or an address on several
	// lines answers from all of them).
	HostsFile  string `json:"hosts_file,omitempty"`
	HostsLines []int  `json:"hosts_lines,omitempty"`
	// Server and Transport say which DNS server answered, and how.
	Server    netip.AddrPort `json:"server,omitzero"`
	Transport Transport      `json:"transport,omitempty"`
	// Name is the candidate name (A-labels, fully qualified) that answered.
	Name string `json:"name,omitempty"`
	// CanonicalName is the end of the CNAME chain (the hosts file's first
	// name for a hosts answer); "" when nothing answered.
	CanonicalName string `json:"canonical_name,omitempty"`
	// Candidates is the search list expansion of Query, in query order;
	// Candidate is the 1-based position of the one that answered.
	Candidates []string  `json:"candidates"`
	Candidate  int       `json:"candidate,omitempty"`
	Answers    []Answer  `json:"answers"`
	Queries    []Query   `json:"queries"`
	Warnings   []Warning `json:"warnings,omitempty"`
	// Libc is the C library reproduced when it is not glibc ("musl-1.2.3").
	Libc Libc `json:"libc,omitempty"`
	// Steps are that library's decisions, in order, where they differ from
	// glibc's (only for a Libc other than glibc).
	Steps []string `json:"steps,omitempty"`
	// Error is the message of the error Lookup returned, without the
	// "resolve: " prefix ("nope: no such host"); "" after a success.
	Error string `json:"error,omitempty"`

	nodata bool // musl: the lookup ended at a name without the family's addresses
}

// Addrs returns the addresses among the answers, in answer order.
func (r *Result) Addrs() []netip.Addr {
	var out []netip.Addr
	for _, a := range r.Answers {
		if ip, ok := a.Addr(); ok {
			out = append(out, ip)
		}
	}
	return out
}
