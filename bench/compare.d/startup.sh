#!/usr/bin/env bash
# startup: `netcalc version` against a Go hello-world, both built the way
# docs/install.md builds netcalc (CGO_ENABLED=0 -trimpath -ldflags='-s -w')
# and with the same go line as netcalc's go.mod (it sets the runtime's
# default GODEBUG), in 201 interleaved pairs (target: median pair ratio
# <= 1.3). Then the floors: the same hello-world with the packages netcalc
# links imported for their initialisation only (`import _`): the standard
# library's, then the third-party ones too, then netcalc's own library
# packages too. No netcalc can start faster than its floor, whatever the
# CLI does. Then the
# minor page faults of each, and the packages whose init costs the most
# (GODEBUG=inittrace=1).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
flags=(-trimpath -ldflags='-s -w')
gover=$(sed -n 's/^go //p' "$root/go.mod")
nc="$BENCH_OUT/netcalc.static"
(cd "$root" && CGO_ENABLED=0 go build "${flags[@]}" -o "$nc" ./cmd/netcalc)
hello="$BENCH_OUT/hello"
mkdir -p "$hello"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' >"$hello/main.go"
printf 'module hello\n\ngo %s\n' "$gover" >"$hello/go.mod"
(cd "$hello" && CGO_ENABLED=0 go build "${flags[@]}" -o "$hello/hello" .)

# floor NAME EXCLUDE: a hello-world inside netcalc's module (so the same
# versions) importing every package of `go list -deps ./cmd/netcalc` but
# those EXCLUDE (a grep -E pattern) matches and those Go lets no program
# import. Its source goes under bench/out/_floor: the go command's ./...
# skips directories whose names start with "_".
floor() {
  local dir="$BENCH_OUT/_floor/$1"
  mkdir -p "$dir"
  {
    printf 'package main\n\nimport (\n\t"fmt"\n'
    (cd "$root" && CGO_ENABLED=0 go list -deps ./cmd/netcalc) |
      grep -vE "$2" | grep -vE '(^|/)internal(/|$)|^vendor/|^(fmt|unsafe|runtime/cgo)$|/cmd/netcalc$' |
      sed 's/.*/\t_ "&"/'
    printf ')\n\nfunc main() { fmt.Println("hello") }\n'
  } >"$dir/main.go"
  gofmt -w "$dir/main.go"
  (cd "$root" && CGO_ENABLED=0 go build "${flags[@]}" -o "$BENCH_OUT/$1" "./bench/out/_floor/$1")
}
floor floor-std '^[^/]*\.'                # the standard library packages alone
floor floor-deps '^github\.com/netcalc/' # and the third-party packages
floor floor-lib '^$'                      # and netcalc's library packages
std="$BENCH_OUT/floor-std" deps="$BENCH_OUT/floor-deps" lib="$BENCH_OUT/floor-lib"

echo "CPU: $(cpu_model), $(nproc) CPUs, go line $gover; netcalc $(stat -c %s "$nc") bytes, hello $(stat -c %s "$hello/hello"), floors $(stat -c %s "$std"), $(stat -c %s "$deps") and $(stat -c %s "$lib")"
line() { # NAME A... -- B...: 201 pairs
  local name=$1; shift
  read -r at acpu _ bt bcpu _ wr cr load < <(pairs 201 /dev/null /dev/null -- "$@")
  awk -v n="$name" -v at="$at" -v bt="$bt" -v ac="$acpu" -v bc="$bcpu" -v wr="$wr" -v cr="$cr" -v l="$load" 'BEGIN{
    printf "%-36s %.2f ms (CPU %.2f) | %.2f ms (CPU %.2f) | median pair ratio %.2f (CPU %.2f), load %s\n", n, at*1000, ac*1000, bt*1000, bc*1000, wr, cr, l }'
  [ "$name" != "startup: netcalc version / hello" ] ||
    awk -v wr="$wr" 'BEGIN{ printf "  target ratio <= 1.3: %s\n", (wr <= 1.3) ? "met" : "MISSED" }'
}
line "startup: netcalc version / hello" "$nc" version -- "$hello/hello"
line "  netcalc cidr ADDR / hello" "$nc" cidr 198.51.100.7/24 -- "$hello/hello"
line "  floor, standard library / hello" "$std" -- "$hello/hello"
line "  floor, + third-party / hello" "$deps" -- "$hello/hello"
line "  floor, + netcalc's libs / hello" "$lib" -- "$hello/hello"
line "  netcalc version / floor with libs" "$nc" version -- "$lib"

# faults PROGRAM...: the median of 21 runs' minor page faults.
faults() {
  for _ in $(seq 21); do /usr/bin/time -f %R -o "$BENCH_OUT/.time" "$@" >/dev/null; cat "$BENCH_OUT/.time"; done | sort -n | sed -n 11p
}
echo "  minor page faults (median of 21): netcalc version $(faults "$nc" version), hello $(faults "$hello/hello"), floors $(faults "$std"), $(faults "$deps") and $(faults "$lib")"
# inittrace PROGRAM...: summed init time (median of 21 runs), bytes and allocations.
inittrace() {
  for _ in $(seq 21); do GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | awk '/^init /{ms+=$5; b+=$8; a+=$10} END{printf "%.3f %d %d\n", ms, b, a}'; done |
    sort -n | sed -n 11p | awk '{printf "%.2f ms, %d KB, %d allocations", $1, $2/1024, $3}'
}
echo "  package init, summed (GODEBUG=inittrace=1): netcalc $(inittrace "$nc" version); hello $(inittrace "$hello/hello"); floors $(inittrace "$std"), $(inittrace "$deps") and $(inittrace "$lib")"
echo "  init cost by package (top 8):"
GODEBUG=inittrace=1 "$nc" version 2>&1 >/dev/null | sort -k5 -g -r | head -8 | awk '{printf "    %-45s %s ms, %s allocs\n", $2, $5, $10}'
