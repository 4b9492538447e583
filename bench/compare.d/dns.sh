. "$(dirname "$0")/../lib.sh"
# DNS: netcalc resolve vs dig against the same local dnsmasq (loopback only,
# no upstream). One process (100 runs in a row, so that the 10 ms resolution
# of time(1) does not hide the difference) and a batch of 10,000 names
# (--file vs dig -f), with the same answers.
set -euo pipefail
need dnsmasq-base dnsmasq
need bind9-dnsutils dig
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$BENCH_OUT/dns"
mkdir -p "$dir"

# 10,000 names n0..n9999.bench.test with fixed documentation addresses.
if [ ! -s "$dir/names.txt" ]; then
  awk 'BEGIN{for(i=0;i<10000;i++){
      a = (i%2) ? "198.51.100." (i%254+1) : "203.0.113." (i%254+1)
      printf "host-record=n%d.bench.test,%s\n", i, a > "'"$dir"'/records.conf"
      printf "n%d.bench.test.\n", i > "'"$dir"'/names.txt"
      printf "n%d.bench.test. A\n", i > "'"$dir"'/dig.txt" }}'
fi
{ cat "$root/testdata/resolve/dnsmasq.conf"; echo "local=/bench.test/"; cat "$dir/records.conf"; } >"$dir/dnsmasq.conf"

user=()
[ "$(id -u)" = 0 ] && user=(--user=root --group=root)
pid=""
for port in 25353 25354 25355 25356 25357; do
  dnsmasq -k -C "$dir/dnsmasq.conf" --port="$port" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --pid-file="$dir/dnsmasq.pid" --cache-size=0 "${user[@]}" 2>"$dir/dnsmasq.log" &
  pid=$!
  for _ in $(seq 50); do
    if dig @127.0.0.1 -p "$port" +short +time=1 +tries=1 web.example.test A >/dev/null 2>&1; then break 2; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""
done
[ -n "$pid" ] || { echo "dnsmasq did not start"; cat "$dir/dnsmasq.log"; exit 1; }
trap 'kill "$pid" 2>/dev/null || true' EXIT

# netcalc reads no host file here, like dig: explicit empty configuration.
nc_flags=(--server "127.0.0.1:$port" --no-hosts --no-search --resolv-conf /dev/null --nsswitch /dev/null -t A --short)
dig_flags=(@127.0.0.1 -p "$port" +short +time=2 +tries=1)

# One process, 100 times.
"$NETCALC" resolve web.example.test. "${nc_flags[@]}" >"$dir/one.netcalc"
dig "${dig_flags[@]}" web.example.test. A >"$dir/one.dig"
cmp -s "$dir/one.netcalc" "$dir/one.dig" || { echo "single answers differ"; diff "$dir/one.netcalc" "$dir/one.dig"; exit 1; }
read -r t1 m1 < <(best3 /dev/null bash -c 'for i in $(seq 100); do "$NETCALC" resolve web.example.test. "$@" >/dev/null; done' _ "${nc_flags[@]}")
read -r t2 m2 < <(best3 /dev/null bash -c 'for i in $(seq 100); do dig "$@" web.example.test. A >/dev/null; done' _ "${dig_flags[@]}")
report "dns: 100 x one lookup (process each)" "$t1" "$m1" "dig" "$t2" "$m2"

# 10,000 names in one process.
read -r t1 m1 < <(best3 "$dir/batch.netcalc" "$NETCALC" resolve --file "$dir/names.txt" --concurrency 64 "${nc_flags[@]}")
read -r t2 m2 < <(best3 "$dir/batch.dig" dig "${dig_flags[@]}" -f "$dir/dig.txt")
cmp -s "$dir/batch.netcalc" "$dir/batch.dig" || { echo "batch answers differ"; diff "$dir/batch.netcalc" "$dir/batch.dig" | head; exit 1; }
echo "batch answers identical: $(wc -l <"$dir/batch.netcalc") lines"
report "dns: 10,000 names (--file vs dig -f)" "$t1" "$m1" "dig -f" "$t2" "$m2"

# Where the batch time goes: each client's own CPU (user+sys, time(1)) and
# dnsmasq's CPU meanwhile (utime+stime of its process, /proc/PID/stat, in
# clock ticks). dnsmasq is single-threaded, so its CPU for the 10,000
# queries is a floor on any client's wall time against it.
hz=$(getconf CLK_TCK)
dnsmasq_cpu() { awk -v hz="$hz" '{printf "%.2f\n", ($14+$15)/hz}' "/proc/$pid/stat"; }
cpu_of() { # LABEL CMD...: one run; print client CPU and dnsmasq CPU
  local label=$1; shift
  local a b
  a=$(dnsmasq_cpu)
  /usr/bin/time -f '%e %U %S' -o "$BENCH_OUT/.cpu" "$@" >/dev/null
  b=$(dnsmasq_cpu)
  read -r e u s <"$BENCH_OUT/.cpu"
  awk -v l="$label" -v e="$e" -v u="$u" -v s="$s" -v a="$a" -v b="$b" 'BEGIN{
    printf "dns: batch CPU %-9s wall %.2fs, client CPU %.2fs (user %.2f sys %.2f), dnsmasq CPU %.2fs\n", l, e, u+s, u, s, b-a }'
}
cpu_of netcalc "$NETCALC" resolve --file "$dir/names.txt" --concurrency 64 "${nc_flags[@]}"
cpu_of "dig -f" dig "${dig_flags[@]}" -f "$dir/dig.txt"

# The ceiling for any client: a minimal one (standard library only, one
# connected UDP socket, hand-packed A queries, 32 in flight, replies only
# counted). Its wall time is about what dnsmasq alone needs.
cat >"$dir/floor.go" <<'EOF'
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func query(id uint16, name string) []byte {
	b := make([]byte, 12, 64)
	binary.BigEndian.PutUint16(b, id)
	b[2], b[5] = 1, 1 // RD, one question
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		b = append(append(b, byte(len(l))), l...)
	}
	return append(b, 0, 0, 1, 0, 1) // root, type A, class IN
}

func main() {
	f, err := os.Open(os.Args[2])
	if err != nil {
		panic(err)
	}
	var names []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		names = append(names, sc.Text())
	}
	c, err := net.Dial("udp", os.Args[1])
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 1500)
	sent, got := 0, 0
	for ; sent < 32 && sent < len(names); sent++ {
		c.Write(query(uint16(sent), names[sent]))
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for got < len(names) {
		if _, err := c.Read(buf); err != nil {
			break
		}
		got++
		if sent < len(names) {
			c.Write(query(uint16(sent), names[sent]))
			sent++
		}
	}
	fmt.Println(got)
	if got != len(names) {
		os.Exit(1)
	}
}
EOF
(cd "$dir" && GO111MODULE=off go build -o floor floor.go)
cpu_of "floor" "$dir/floor" "127.0.0.1:$port" "$dir/names.txt"
awk -v d="$t2" 'BEGIN{printf "dns: 10x faster than dig -f means the batch in %.3fs; compare with dnsmasq CPU and the floor client above\n", d/10}'

# Issue 18's target: the batch within 1.2x of the minimal client, measured
# in 21 interleaved pairs against the same dnsmasq (median of pair ratios).
read -r nt ncpu _ ft fcpu _ wr cr load < <(pairs 21 /dev/null /dev/null \
  -- "$NETCALC" resolve --file "$dir/names.txt" --concurrency 64 "${nc_flags[@]}" \
  -- "$dir/floor" "127.0.0.1:$port" "$dir/names.txt")
awk -v nt="$nt" -v nc="$ncpu" -v ft="$ft" -v fc="$fcpu" -v wr="$wr" -v cr="$cr" -v l="$load" 'BEGIN{
  printf "dns: batch vs floor, 21 pairs          netcalc %.3f s (%.3f CPU-s) | floor %.3f s (%.3f CPU-s) | median pair ratio %.2f (CPU %.2f), load %s\n", nt, nc, ft, fc, wr, cr, l
  printf "  target ratio <= 1.2: %s\n", (wr <= 1.2) ? "met" : "MISSED" }'
echo "  CPU: $(cpu_model), $(nproc) CPUs"
