#!/usr/bin/env bash
# merge: netcalc merge vs FireHOL iprange on 1M random IPv4 /32s and 1M
# random /24-/32 prefixes (same address set out, time ratio, RSS), then
# 1M mixed IPv4/IPv6 lines (time; output checked against Python ipaddress
# on a 100k sample) and a linear-scaling check.
. "$(dirname "$0")/../lib.sh"
set -euo pipefail
need iprange iprange
need time /usr/bin/time
root=$(cd "$(dirname "$0")/../.." && pwd)
gen="$BENCH_OUT/gen"
(cd "$root" && go build -o "$gen" ./bench/gen)
status=0

# normalise to one CIDR per line (iprange prints /32s as bare addresses)
norm() { awk '{ print (index($0, "/") ? $0 : $0 "/32") }' "$1"; }

echo "CPU: $(cpu_model), $(nproc) CPUs"
for kind in ips pfxr; do
  in="$BENCH_OUT/$kind-1m.txt"
  seed=42; [ "$kind" = pfxr ] && seed=7
  [ -s "$in" ] || "$gen" -kind "$kind" -n 1000000 -seed "$seed" >"$in"
  "$NETCALC" merge "$in" >"$BENCH_OUT/$kind.netcalc"
  iprange "$in" >"$BENCH_OUT/$kind.iprange"
  if ! cmp -s <(norm "$BENCH_OUT/$kind.iprange") "$BENCH_OUT/$kind.netcalc"; then
    echo "MISMATCH: netcalc merge and iprange disagree on $in"; status=1
  fi
  # 11 interleaved pairs: medians, and the median of the per-pair ratios
  read -r nt nc nr pt pc pr wr cr load < <(pairs 11 /dev/null /dev/null -- "$NETCALC" merge "$in" -- iprange "$in")
  report "merge $kind 1M ($(wc -l <"$BENCH_OUT/$kind.netcalc") CIDRs out)" "$nt" "$nr" iprange "$pt" "$pr"
  awk -v nc="$nc" -v pc="$pc" -v wr="$wr" -v cr="$cr" -v r="$nr" -v l="$load" 'BEGIN{
    printf "  CPU netcalc %.3fs, iprange %.3fs; median pair ratios: wall %.3f, CPU %.3f (load %s)\n", nc, pc, wr, cr, l
    printf "  target wall ratio <= 0.20: %s; CPU ratio <= 0.50: %s; RSS < 64 MB: %s\n", (wr <= 0.2) ? "met" : "MISSED", (cr <= 0.5) ? "met" : "MISSED", (r < 65536) ? "met" : "MISSED" }'
done

# mixed families: time 1M lines; check correctness on 100k with Python
mixed="$BENCH_OUT/mixed-1m.txt"
[ -s "$mixed" ] || "$gen" -kind mixed -n 1000000 -seed 42 >"$mixed"
read -r mt mr < <(best3 "$BENCH_OUT/mixed.netcalc" "$NETCALC" merge "$mixed")
printf '%-40s netcalc %6.2fs %6.1f MB | target < 0.3 s: %s\n' "merge mixed v4/v6 1M" "$mt" "$(awk -v r="$mr" 'BEGIN{print r/1024}')" \
  "$(awk -v a="$mt" 'BEGIN{print (a < 0.3) ? "met" : "MISSED"}')"
small="$BENCH_OUT/mixed-100k.txt"
"$gen" -kind mixed -n 100000 -seed 43 >"$small"
"$NETCALC" merge "$small" >"$BENCH_OUT/mixed-100k.netcalc"
python3 - "$small" >"$BENCH_OUT/mixed-100k.python" <<'PY'
import ipaddress, sys
nets = [ipaddress.ip_network(l.strip(), strict=False) for l in open(sys.argv[1]) if l.strip()]
for fam in (4, 6):
    for n in ipaddress.collapse_addresses(x for x in nets if x.version == fam):
        print(n)
PY
if cmp -s "$BENCH_OUT/mixed-100k.python" "$BENCH_OUT/mixed-100k.netcalc"; then
  echo "  mixed 100k: identical to Python ipaddress.collapse_addresses"
else
  echo "MISMATCH: netcalc merge and Python disagree on $small"; status=1
fi

# linear scaling: 250k vs 1M /32s
q="$BENCH_OUT/ips-250k.txt"
head -n 250000 "$BENCH_OUT/ips-1m.txt" >"$q"
read -r qt _ < <(best3 /dev/null "$NETCALC" merge "$q")
read -r ft _ < <(best3 /dev/null "$NETCALC" merge "$BENCH_OUT/ips-1m.txt")
awk -v q="$qt" -v f="$ft" 'BEGIN{ printf "%-40s 250k %.2fs, 1M %.2fs: x%.1f for 4x input\n", "merge scaling", q, f, (q > 0) ? f/q : 0 }'
exit $status
