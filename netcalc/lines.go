package netcalc

import "net/netip"

// AppendAddrLines appends the addresses from first to last (one family,
// first <= last), each written between before and after ("" and "\n" for
// one per line), until dst holds at least limit bytes or last is written.
// It returns dst and the address to go on from, the zero Addr when it
// wrote last. At least one address is written. IPv4 addresses are
// formatted without net/netip's general formatter, the first three octets
// once per 256 addresses: listing a /8 writes 16M lines.
func AppendAddrLines(dst []byte, first, last netip.Addr, before, after string, limit int) ([]byte, netip.Addr) {
	if !first.Is4() {
		for a := first; ; a = a.Next() {
			dst = append(dst, before...)
			dst = append(a.AppendTo(dst), after...)
			if a == last {
				return dst, netip.Addr{}
			}
			if len(dst) >= limit {
				return dst, a.Next()
			}
		}
	}
	f, l := first.As4(), last.As4()
	lo := uint32(f[0])<<24 | uint32(f[1])<<16 | uint32(f[2])<<8 | uint32(f[3])
	hi := uint32(l[0])<<24 | uint32(l[1])<<16 | uint32(l[2])<<8 | uint32(l[3])
	var head []byte
	for x := uint64(lo); x <= uint64(hi); {
		v := uint32(x)
		head = append(head[:0], before...)
		head = append(head, decimal[v>>24]...)
		head = append(head, '.')
		head = append(head, decimal[v>>16&0xff]...)
		head = append(head, '.')
		head = append(head, decimal[v>>8&0xff]...)
		head = append(head, '.')
		end := min(uint64(v|0xff), uint64(hi))
		for o := x & 0xff; x <= end; x, o = x+1, o+1 {
			dst = append(dst, head...)
			dst = append(dst, decimal[o]...)
			dst = append(dst, after...)
		}
		if len(dst) >= limit && x <= uint64(hi) {
			return dst, addr4(uint32(x))
		}
	}
	return dst, netip.Addr{}
}

// decimal holds the decimal text of 0-255: a literal of constants, which the
// linker lays out statically (no code runs for it at start-up).
var decimal = [256]string{
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
	"16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
	"32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
	"48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
	"64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
	"80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
	"96", "97", "98", "99", "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "110", "111",
	"112", "113", "114", "115", "116", "117", "118", "119", "120", "121", "122", "123", "124", "125", "126", "127",
	"128", "129", "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "140", "141", "142", "143",
	"144", "145", "146", "147", "148", "149", "150", "151", "152", "153", "154", "155", "156", "157", "158", "159",
	"160", "161", "162", "163", "164", "165", "166", "167", "168", "169", "170", "171", "172", "173", "174", "175",
	"176", "177", "178", "179", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "190", "191",
	"192", "193", "194", "195", "196", "197", "198", "199", "200", "201", "202", "203", "204", "205", "206", "207",
	"208", "209", "210", "211", "212", "213", "214", "215", "216", "217", "218", "219", "220", "221", "222", "223",
	"224", "225", "226", "227", "228", "229", "230", "231", "232", "233", "234", "235", "236", "237", "238", "239",
	"240", "241", "242", "243", "244", "245", "246", "247", "248", "249", "250", "251", "252", "253", "254", "255",
}
