#!/usr/bin/env bash
# list: netcalc list 10.0.0.0/8 vs prips 10.0.0.0/8 (16.7M lines), same
# output byte for byte.
. "$(dirname "$0")/../lib.sh"
set -euo pipefail
need prips prips
need time /usr/bin/time
read -r nt nr < <(best3 "$BENCH_OUT/list.netcalc" "$NETCALC" list 10.0.0.0/8)
read -r pt pr < <(best3 "$BENCH_OUT/list.prips" prips 10.0.0.0/8)
status=0
if ! cmp -s "$BENCH_OUT/list.netcalc" "$BENCH_OUT/list.prips"; then
  echo "MISMATCH: netcalc list and prips differ"; status=1
fi
report "list 10.0.0.0/8 ($(wc -l <"$BENCH_OUT/list.netcalc") lines)" "$nt" "$nr" prips "$pt" "$pr"
awk -v a="$nt" -v b="$pt" 'BEGIN{ printf "  target faster than prips: %s\n", (a < b) ? "met" : "MISSED" }'
rm -f "$BENCH_OUT/list.netcalc" "$BENCH_OUT/list.prips"
exit $status
