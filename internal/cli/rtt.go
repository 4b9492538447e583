package cli

import (
	"strconv"
	"time"
)

// formatRTT is the one way the CLI prints a round-trip time (resolve's
// query table, arp's replies and --scan table): milliseconds with two
// decimals, "0.07ms", "3002.19ms", as dig reports its query time in
// milliseconds. JSON keeps the exact value (rtt_ms, rtt_ns).
func formatRTT(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}
