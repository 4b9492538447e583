#!/usr/bin/env bash
# topo-trace: `netcalc topo trace FILE --flows FILE` on one core
# (GOMAXPROCS=1): 100,000 flows through each example topology (every node
# to every address, icmp, tcp and udp, repeated), end to end (parsing the
# topology once, the walks, the one-line-per-flow output). Target (issue
# 10): > 20,000 traces/s. The library figure without I/O is
# `GOMAXPROCS=1 go test ./netcalc/topo -run '^$' -bench TraceBatch`.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
ex="$(cd "$(dirname "$0")/../.." && pwd)/examples/topo"
echo "CPU: $(cpu_model), $(nproc) CPUs"
for name in gateway home-nat k8s; do
  flows="$BENCH_OUT/topo-$name.flows"
  "$NETCALC" topo expand "$ex/$name.yaml" >"$BENCH_OUT/topo-$name.expand"
  python3 - "$BENCH_OUT/topo-$name.expand" "$flows" <<'PY'
import re, sys
names, addrs, section = [], [], ""
for line in open(sys.argv[1]):
    if re.match(r"^[a-z]", line):
        section = line.split(":")[0]
    elif section == "nodes" and re.match(r"^  [A-Za-z0-9_.-]+:$", line):
        names.append(line.strip()[:-1])
    m = re.search(r"addrs: \[([^]]*)\]", line)
    if section == "nodes" and m:
        addrs += [a.strip().strip('"').split("/")[0] for a in m.group(1).split(",")]
lines = []
for f in names:
    for a in addrs:
        d = "[%s]" % a if ":" in a else a
        lines += ["%s %s" % (f, a), "%s %s:80 tcp" % (f, d), "%s %s:53 udp 5353" % (f, d)]
    lines.append("%s 10.96.0.80:80 tcp" % f)
out = []
while len(out) < 100000:
    out += lines
open(sys.argv[2], "w").write("\n".join(out[:100000]) + "\n")
PY
  # exit 1 (some flows not ACCEPTED) is expected: run it through a shell
  # that exits 0 so that time(1) prints the figures alone.
  read -r t m < <(GOMAXPROCS=1 best3 "$BENCH_OUT/topo-trace.out" sh -c '"$0" "$@" || [ $? -eq 1 ]' "$NETCALC" topo trace "$ex/$name.yaml" --flows "$flows")
  n=$(($(wc -l <"$BENCH_OUT/topo-trace.out") - 1))
  awk -v name="$name" -v t="$t" -v m="$m" -v n="$n" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{
    r = n / t
    printf "%-40s netcalc %6.2fs %6.1f MB, %d flows, %.0f traces/s, load %s\n", "topo trace --flows " name " (GOMAXPROCS=1)", t, m/1024, n, r, l
    printf "  target > 20000 traces/s: %s\n", (r > 20000) ? "met" : "MISSED" }'
done
