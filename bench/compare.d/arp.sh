#!/usr/bin/env bash
# arp: inside a throw-away namespace lab (needs root), one `netcalc arp`
# process against iputils `arping -c 1` on the same veth (median wall time
# of 51 runs each, 21 for the slow `arping -c 1`, both started with `ip netns exec`; also against `arping -f
# -c 1`, which exits at the first reply instead of lingering a second), then `netcalc arp --scan`
# of a /24 holding three live hosts against `arp-scan` with the same
# per-request timeout (500 ms), attempts (2), pacing (1 ms between requests)
# and no backoff; both must find exactly the same hosts. Only documentation
# prefixes; every namespace is deleted on exit (trap), also on failure.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
if [ "$(id -u)" != 0 ]; then echo "arp: skipped (needs root for network namespaces)"; exit 0; fi
need iputils-arping arping
need arp-scan arp-scan
need iproute2 ip

p="ncb$$"
A=$p-a B=$p-b R=$p-r C=$p-c
nss=("$A" "$B" "$R" "$C" "$p-h1" "$p-h2" "$p-h3")
cleanup() { for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
for n in "${nss[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done

# A -- veth -- B: one on-link peer.
ip link add veth-a netns "$A" type veth peer name veth-b netns "$B"
ip -n "$A" addr add 203.0.113.1/24 dev veth-a
ip -n "$B" addr add 203.0.113.2/24 dev veth-b
ip -n "$A" link set veth-a up; ip -n "$B" link set veth-b up

# Bridge br0 in R: the scanner C and three live hosts in 198.51.100.0/24.
ip -n "$R" link add br0 type bridge; ip -n "$R" link set br0 up
i=0
for n in "$C" "$p-h1" "$p-h2" "$p-h3"; do
  i=$((i + 1))
  ip link add veth-x netns "$n" type veth peer name "port$i" netns "$R"
  ip -n "$R" link set "port$i" master br0 up
  ip -n "$n" addr add "198.51.100.$((i * 10))/24" dev veth-x
  ip -n "$n" link set veth-x up
done
sleep 0.5 # let the bridge ports reach forwarding

# median N CMD...: median wall seconds of N runs of CMD (output discarded);
# the median resists the load spikes of a shared machine.
median() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
ts.sort()
print("%.6f" % ts[len(ts) // 2])
PY
}
rss() { /usr/bin/time -f '%M' -o "$BENCH_OUT/.rss" "$@" >/dev/null 2>&1; cat "$BENCH_OUT/.rss"; }

# One lookup: the MAC both report must be veth-b's.
want=$(ip -j -n "$B" link show dev veth-b | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
got=$(ip netns exec "$A" "$NETCALC" -o json arp 203.0.113.2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["mac"])')
peer=$(ip netns exec "$A" arping -c 1 -I veth-a 203.0.113.2 | grep -oiE '\[([0-9a-f]{2}:){5}[0-9a-f]{2}\]' | tr -d '[]' | tr 'A-F' 'a-f')
[ "$got" = "$want" ] && [ "$peer" = "$want" ] || { echo "arp: MAC mismatch: netcalc $got, arping $peer, veth-b $want"; exit 1; }
echo "one lookup: netcalc and arping both report veth-b's MAC $want"
nt=$(median 51 ip netns exec "$A" "$NETCALC" arp 203.0.113.2)
pt=$(median 21 ip netns exec "$A" arping -c 1 -I veth-a 203.0.113.2)
ft=$(median 51 ip netns exec "$A" arping -f -c 1 -I veth-a 203.0.113.2)
nr=$(rss ip netns exec "$A" "$NETCALC" arp 203.0.113.2)
pr=$(rss ip netns exec "$A" arping -c 1 -I veth-a 203.0.113.2)
fr=$(rss ip netns exec "$A" arping -f -c 1 -I veth-a 203.0.113.2)
# iputils arping -c 1 lingers about 1 s after the reply; -f exits on it.
report "arp, one lookup on a veth (median)" "$nt" "$nr" "arping -c 1" "$pt" "$pr"
report "arp, one lookup on a veth (median)" "$nt" "$nr" "arping -f -c1" "$ft" "$fr"
printf 'one lookup, median wall ms: netcalc %.2f | arping -c 1 %.2f | arping -f -c 1 %.2f\n' "$(awk -v x="$nt" 'BEGIN{print x*1000}')" "$(awk -v x="$pt" 'BEGIN{print x*1000}')" "$(awk -v x="$ft" 'BEGIN{print x*1000}')"

# Scan of a /24 with three live hosts.
ip netns exec "$C" "$NETCALC" arp --scan 198.51.100.0/24 -t 500ms -r 1 --rate 1000 | cut -f1 | sort >"$BENCH_OUT/arp.netcalc.txt"
ip netns exec "$C" arp-scan -q -x -I veth-x --retry=2 --timeout=500 --backoff=1 --interval=1 198.51.100.0/24 | cut -f1 | sort >"$BENCH_OUT/arp.arpscan.txt"
if ! cmp -s "$BENCH_OUT/arp.netcalc.txt" "$BENCH_OUT/arp.arpscan.txt" || [ "$(wc -l <"$BENCH_OUT/arp.netcalc.txt")" != 3 ]; then
  echo "arp: scans disagree or did not find the three hosts:"; paste "$BENCH_OUT/arp.netcalc.txt" "$BENCH_OUT/arp.arpscan.txt"; exit 1
fi
echo "scan: netcalc and arp-scan both found exactly $(paste -sd' ' "$BENCH_OUT/arp.netcalc.txt")"
nt=$(median 5 ip netns exec "$C" "$NETCALC" arp --scan 198.51.100.0/24 -t 500ms -r 1 --rate 1000)
st=$(median 5 ip netns exec "$C" arp-scan -q -x -I veth-x --retry=2 --timeout=500 --backoff=1 --interval=1 198.51.100.0/24)
nr=$(rss ip netns exec "$C" "$NETCALC" arp --scan 198.51.100.0/24 -t 500ms -r 1 --rate 1000)
sr=$(rss ip netns exec "$C" arp-scan -q -x -I veth-x --retry=2 --timeout=500 --backoff=1 --interval=1 198.51.100.0/24)
report "arp --scan /24, 3 live (median of 5)" "$nt" "$nr" "arp-scan" "$st" "$sr"
