#!/usr/bin/env bash
# cidr: `netcalc cidr -o json` streaming 1,000,000 mixed IPv4/IPv6 lines from
# stdin (target: < 0.5 s, < 50 MB RSS), every line checked against Python's
# ipaddress; then the IPv4 half against sipcalc (whose stdin reader cuts
# IPv6 lines after 20 characters, so it gets IPv4 only), same lines, same
# networks and usable ranges, and the time ratio.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
need sipcalc sipcalc
N=${CIDR_LINES:-1000000}
in="$BENCH_OUT/cidr-$N.txt"
in4="$BENCH_OUT/cidr4-$N.txt"
[ -s "$in" ] || python3 - "$N" >"$in" <<'PY'
import random, sys, ipaddress
random.seed(42)
out = []
for i in range(int(sys.argv[1])):
    if random.random() < 0.5:
        out.append("%s/%d" % (ipaddress.IPv4Address(random.getrandbits(32)), random.randint(0, 30)))
    else:
        out.append("%s/%d" % (ipaddress.IPv6Address(random.getrandbits(128)), random.randint(0, 126)))
sys.stdout.write("\n".join(out) + "\n")
PY
grep -v : "$in" >"$in4"

read -r nt nr < <(best3_in "$in" "$BENCH_OUT/cidr.netcalc.jsonl" "$NETCALC" cidr -o json -)
python3 - "$in" "$BENCH_OUT/cidr.netcalc.jsonl" <<'PY'
import json, sys, ipaddress
bad = n = 0
for src, line in zip(open(sys.argv[1]), open(sys.argv[2])):
    j = json.loads(line); net = ipaddress.ip_network(src.strip(), strict=False); n += 1
    if net.version == 4:
        want = (str(net), str(net.network_address + 1), str(net.broadcast_address - 1), str(net.num_addresses - 2))
    else:
        want = (str(net), str(net.network_address + 1), str(net.broadcast_address), str(net.num_addresses - 1))
    bad += (j["cidr"], j["first_host"], j["last_host"], j["usable_hosts"]) != want
print("python ipaddress: %d of %d lines agree (cidr, first/last host, usable hosts)" % (n - bad, n))
sys.exit(1 if bad else 0)
PY
echo "CPU: $(cpu_model), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
awk -v a="$nt" -v r="$nr" -v n="$N" 'BEGIN{printf "%-40s netcalc %6.2fs %6.1f MB | target < 0.5 s, < 50 MB: %s\n", "cidr -o json, " n " mixed v4/v6 lines", a, r/1024, (a < 0.5 && r < 51200) ? "met" : "MISSED"}' 

read -r nt nr < <(best3_in "$in4" "$BENCH_OUT/cidr4.netcalc.jsonl" "$NETCALC" cidr -o json -)
read -r st sr < <(best3_in "$in4" "$BENCH_OUT/cidr4.sipcalc.txt" sipcalc -)
python3 - "$BENCH_OUT/cidr4.netcalc.jsonl" "$BENCH_OUT/cidr4.sipcalc.txt" <<'PY'
import json, sys
nc = [json.loads(l) for l in open(sys.argv[1])]
sip = []
for block in open(sys.argv[2]).read().split("\n-\n"):
    d = dict((k.strip(), v.strip()) for k, _, v in (l.partition("\t- ") if "\t- " in l else ("", "", "") for l in block.splitlines()) if k)
    if d:
        sip.append(d)
assert len(sip) == len(nc), (len(sip), len(nc))
bad = sum(not (s["Network address"] == j["network"] and s["Usable range"] == "%s - %s" % (j["first_host"], j["last_host"])) for j, s in zip(nc, sip))
print("sipcalc: %d of %d IPv4 lines agree (network, usable range)" % (len(nc) - bad, len(nc)))
sys.exit(1 if bad else 0)
PY
report "cidr, $(wc -l <"$in4") IPv4 lines" "$nt" "$nr" sipcalc "$st" "$sr"
