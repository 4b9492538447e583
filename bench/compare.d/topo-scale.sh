#!/usr/bin/env bash
# topo-scale: the generated cluster of issue 10, testdata/topo/k8s-1000.yaml
# (1,000 nodes with 30 pods each: 31,000 namespaces, 999,000 host-gw
# routes, one Service): `netcalc topo expand` and one `netcalc topo trace`
# from a pod to the Service, each from the file, best of three, peak RSS
# from /usr/bin/time. Target (issue 10): expand plus one trace < 1 s and
# < 300 MB.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
dir="$(cd "$(dirname "$0")/../.." && pwd)/testdata/topo"
echo "CPU: $(cpu_model), $(nproc) CPUs"
read -r te me < <(best3 "$BENCH_OUT/topo-scale.expand" "$NETCALC" topo expand "$dir/k8s-1000.yaml")
read -r tt mt < <(best3 "$BENCH_OUT/topo-scale.trace" "$NETCALC" topo trace "$dir/k8s-1000.yaml" --from node-1-pod-1 --to 10.96.0.80:80 --proto tcp)
head -1 "$BENCH_OUT/topo-scale.trace" | grep -qx ACCEPTED || { echo "trace not ACCEPTED"; exit 1; }
awk -v te="$te" -v me="$me" -v tt="$tt" -v mt="$mt" -v n="$(wc -l <"$BENCH_OUT/topo-scale.expand")" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{
  printf "%-40s netcalc %6.2fs %6.1f MB (%d lines), load %s\n", "topo expand k8s-1000", te, me/1024, n, l
  printf "%-40s netcalc %6.2fs %6.1f MB\n", "topo trace k8s-1000 (pod -> Service)", tt, mt/1024
  m = (me > mt) ? me : mt
  printf "  expand + trace %.2f s, peak %.1f MB; target < 1 s and < 300 MB: %s\n", te + tt, m/1024, (te + tt < 1 && m < 300*1024) ? "met" : "MISSED" }'
