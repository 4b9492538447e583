#!/usr/bin/env bash
# nat: the masquerade table (issue 6 target: 1,000,000 new flows < 1 s,
# < 300 B/entry). Runs the library benchmarks (netcalc/nat
# BenchmarkMasquerade1M with a table sized up front and ...Grow from empty,
# 5 runs each; netcalc/conntrack BenchmarkTable1M, conntrack alone without
# a NAT decision, 3 runs) and `netcalc nat simulate --preset linux --flows
# 1000000` end to end (best of three, with its RSS), and checks that the
# CLI's table holds one live entry per flow. No peer: the kernel's own
# table is compared with the simulator by the kernel tests
# (netcalc/nat/kernel_linux_test.go), not timed.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
echo "cpu: $cpu, $(nproc) cores, $(go env GOVERSION), load $(cut -d' ' -f1-3 /proc/loadavg)"

bench() { # PKG REGEX COUNT
  (cd "$root" && go test "./$1" -run '^$' -bench "$2" -benchtime 2x -count "$3") | grep '^Benchmark'
}
summarize() { # reads benchmark lines, prints min-max of ns/flow or ns/conn and B/entry per name
  awk '{ name=$1; for (i=3;i<NF;i++) { if ($(i+1)=="B/entry") b[name]=$i; if ($(i+1) ~ /^ns\/(flow|conn)$/) { v=$i; if (!(name in lo) || v<lo[name]) lo[name]=v; if (v>hi[name]) hi[name]=v } } }
       END { for (n in lo) printf "%-32s %.2f-%.2f s per million, %.1f B/entry\n", n, lo[n]/1000, hi[n]/1000, b[n] }' | sort
}
out=$(bench netcalc/nat 'Masquerade1M' 5; bench netcalc/conntrack 'Table1M' 3)
echo "$out"
echo "$out" | summarize
echo "$out" | awk '$1 ~ /^BenchmarkMasquerade1M-/ { for (i=3;i<NF;i++) { if ($(i+1)=="ns/flow" && (min=="" || $i<min)) min=$i; if ($(i+1)=="B/entry") b=$i } }
  END { printf "  target < 1 s per million (best run): %s; target < 300 B/entry: %s\n", (min<1000)?"met":"NOT met", (b<300)?"met":"NOT met" }'

read -r t m < <(best3 "$BENCH_OUT/nat.netcalc.txt" "$NETCALC" nat simulate --preset linux --flows 1000000 --seed 1 --inside 10.0.0.0/8)
grep -q '^live entries *1000000$' "$BENCH_OUT/nat.netcalc.txt" || { echo "nat simulate: not 1000000 live entries"; exit 1; }
awk -v t="$t" -v m="$m" 'BEGIN{ printf "%-40s netcalc %6.2fs %6.1f MB (parse, generate, simulate, summarise)\n", "nat simulate --flows 1000000", t, m/1024 }'
