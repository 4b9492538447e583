#!/usr/bin/env bash
# startup: `netcalc version` against a Go hello-world, both built the way
# docs/install.md builds netcalc (CGO_ENABLED=0 -trimpath -ldflags='-s -w'),
# in 201 interleaved pairs (target: median pair ratio <= 1.3), then the
# packages whose init costs the most (GODEBUG=inittrace=1).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
flags=(-trimpath -ldflags='-s -w')
nc="$BENCH_OUT/netcalc.static"
(cd "$root" && CGO_ENABLED=0 go build "${flags[@]}" -o "$nc" ./cmd/netcalc)
hello="$BENCH_OUT/hello"
mkdir -p "$hello"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' >"$hello/main.go"
printf 'module hello\n\ngo 1.22\n' >"$hello/go.mod"
(cd "$hello" && CGO_ENABLED=0 go build "${flags[@]}" -o "$hello/hello" .)
echo "CPU: $(cpu_model), $(nproc) CPUs; netcalc $(stat -c %s "$nc") bytes, hello $(stat -c %s "$hello/hello") bytes"
read -r nt ncpu _ ht hcpu _ wr cr load < <(pairs 201 /dev/null /dev/null -- "$nc" version -- "$hello/hello")
awk -v nt="$nt" -v ht="$ht" -v wr="$wr" -v cr="$cr" -v l="$load" 'BEGIN{
  printf "%-40s netcalc %.2f ms | hello %.2f ms | median pair ratio %.2f (CPU %.2f), load %s\n", "startup: netcalc version", nt*1000, ht*1000, wr, cr, l
  printf "  target ratio <= 1.3: %s\n", (wr <= 1.3) ? "met" : "MISSED" }'
echo "  init cost by package (GODEBUG=inittrace=1, top 8):"
GODEBUG=inittrace=1 "$nc" version 2>&1 >/dev/null | sort -k5 -g -r | head -8 | awk '{printf "    %-45s %s ms, %s allocs\n", $2, $5, $10}'
