#!/usr/bin/env bash
# kubeproxy: `netcalc kube-proxy rules FILE --table all` end to end (YAML
# parsing, rendering, writing) on a generated scenario in netcalc's own format:
# 10,000 ClusterIP Services x 10 ready endpoints over 50 nodes (the shape of
# BenchmarkRender10kServices). Target (issue 18): < 0.5 s. With BEFORE=BINARY
# the same run is compared in 21 interleaved pairs against that binary, and
# the two outputs must be byte-identical.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
in="$BENCH_OUT/kp10k.yaml"
python3 - "$in" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("node: node-0\nnodeIPs: [198.51.100.10]\nclusterCIDR: 10.0.0.0/8\nservices:\n")
    for i in range(10000):
        f.write("- namespace: ns%d\n  name: svc%d\n  clusterIP: 172.30.%d.%d\n" % (i % 100, i, i >> 8 & 255, i & 255))
        f.write("  ports:\n  - {name: http, port: 80, targetPort: 8080}\n  endpoints:\n")
        for j in range(10):
            k = i * 10 + j
            f.write("  - {ip: 10.%d.%d.%d, node: node-%d}\n" % (k >> 16 & 255, k >> 8 & 255, k & 255, k % 50))
PY
echo "CPU: $(cpu_model), $(nproc) CPUs; input $(wc -c <"$in") bytes"
read -r t m < <(best3 "$BENCH_OUT/kp.out" "$NETCALC" kube-proxy rules "$in" --table all)
awk -v t="$t" -v m="$m" -v n="$(wc -l <"$BENCH_OUT/kp.out")" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{
  printf "%-40s netcalc %6.2fs %6.1f MB (%d lines), load %s\n", "kube-proxy rules 10k x 10 (best of 3)", t, m/1024, n, l
  printf "  target < 0.5 s: %s\n", (t < 0.5) ? "met" : "MISSED" }'
if [ -n "${BEFORE:-}" ]; then
  "$BEFORE" kube-proxy rules "$in" --table all >"$BENCH_OUT/kp.before"
  cmp "$BENCH_OUT/kp.out" "$BENCH_OUT/kp.before" && echo "  output identical to $BEFORE"
  read -r nt ncpu nrss bt bcpu brss wr cr load < <(pairs 21 /dev/null /dev/null -- "$NETCALC" kube-proxy rules "$in" --table all -- "$BEFORE" kube-proxy rules "$in" --table all)
  awk -v nt="$nt" -v nc="$ncpu" -v nr="$nrss" -v bt="$bt" -v bc="$bcpu" -v br="$brss" -v wr="$wr" -v cr="$cr" -v l="$load" 'BEGIN{
    printf "  pairs: netcalc %.3f s (%.3f CPU-s, %.0f MB) | before %.3f s (%.3f CPU-s, %.0f MB) | median pair ratio %.2f (CPU %.2f), load %s\n", nt, nc, nr/1024, bt, bc, br/1024, wr, cr, l }'
fi
