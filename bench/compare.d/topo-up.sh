#!/usr/bin/env bash
# topo-up: netcalc topo up vs the script of netcalc topo emit run with bash,
# on a generated 51-namespace topology (a k8s block: 10 nodes x 4 pods, the
# switch node, 50 veth pairs, 10 bridges, kube-proxy/ip-masq-agent rules on
# every node), best of three; then netcalc topo down vs "ip netns del" of
# each namespace. Both labs must show no difference in netcalc topo status.
# Targets: ratio <= 0.25 for up and for down. Root only (network
# namespaces named ncbench<pid>-*, documentation addresses).
. "$(dirname "$0")/../lib.sh"
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "topo-up: building namespaces needs root: skipped"
  exit 0
fi
yaml="$BENCH_OUT/topo-k50.yaml"
cat >"$yaml" <<'YAML'
name: k50
k8s:
  nodes: 10
  node-network: 198.51.100.0/24
  cluster-cidr: 10.244.0.0/16
  node-cidr-mask: 24
  service-cidr: 10.96.0.0/12
  cni: bridge
  masquerade: ip-masq-agent
  pods-per-node: 4
YAML
p="ncbench$$"
status=0
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.3f", b - a }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN{ print (a == "" || b < a) ? b : a }'; }
clean() { # clean PREFIX: the lab has no difference from the file (waits for link-local addresses, at most 3 s)
  for _ in $(seq 30); do "$NETCALC" topo status "$yaml" --name-prefix "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "MISMATCH: topo status of $1 shows differences:"; "$NETCALC" topo status "$yaml" --name-prefix "$1" | head; status=1
}
gone() { # gone PREFIX: nothing of the lab is left
  if ls /run/netns 2>/dev/null | grep -q "^$1[-:]" || [ -e "/run/netcalc/$1.json" ]; then echo "LEFT: namespaces of $1 after down"; status=1; fi
}
trap '"$NETCALC" topo down --name-prefix "$p" >/dev/null 2>&1 || true; "$NETCALC" topo down --name-prefix "$p-sh" >/dev/null 2>&1 || true' EXIT

"$NETCALC" topo emit "$yaml" --name-prefix "$p-sh" >"$BENCH_OUT/topo-k50.sh"
ns=$("$NETCALC" topo emit "$yaml" --name-prefix "$p-sh" | grep -c '^ip netns add')
nu="" nd="" su="" sd=""
for _ in 1 2 3; do
  t0=$(now); "$NETCALC" topo up "$yaml" --name-prefix "$p" >/dev/null; t1=$(now)
  clean "$p"
  t2=$(now); "$NETCALC" topo down --name-prefix "$p" >/dev/null; t3=$(now)
  gone "$p"
  nu=$(min "$nu" "$(elapsed "$t0" "$t1")"); nd=$(min "$nd" "$(elapsed "$t2" "$t3")")

  t0=$(now); bash "$BENCH_OUT/topo-k50.sh"; t1=$(now)
  clean "$p-sh"
  ip netns list | awk -v p="$p-sh" 'index($1, p "-") == 1 || $1 == p ":unplugged" { print "ip netns del " $1 }' >"$BENCH_OUT/topo-k50-down.sh"
  echo "rm -f /run/netcalc/$p-sh.json" >>"$BENCH_OUT/topo-k50-down.sh"
  t2=$(now); bash "$BENCH_OUT/topo-k50-down.sh"; t3=$(now)
  gone "$p-sh"
  su=$(min "$su" "$(elapsed "$t0" "$t1")"); sd=$(min "$sd" "$(elapsed "$t2" "$t3")")
done
lines=$(grep -c . "$BENCH_OUT/topo-k50.sh")
awk -v n="$ns" -v l="$lines" -v nu="$nu" -v su="$su" -v nd="$nd" -v sd="$sd" 'BEGIN{
  printf "%-40s netcalc %6.3fs | bash script (%d lines) %6.3fs | ratio %.2f | target <= 0.25: %s\n", "topo up " n " namespaces", nu, l, su, nu/su, (nu <= su/4) ? "met" : "MISSED"
  printf "%-40s netcalc %6.3fs | ip netns del x%d  %6.3fs | ratio %.2f | target <= 0.25: %s\n", "topo down " n " namespaces", nd, n, sd, nd/sd, (nd <= sd/4) ? "met" : "MISSED" }'
exit $status
