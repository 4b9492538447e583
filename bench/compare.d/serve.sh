#!/usr/bin/env bash
# serve: load on netcalc serve's /api/cidr over loopback. The goal of issue 16
# is 5,000 requests/s with p99 under 5 ms: serve_load.go sends exactly 5,000
# requests/s for 10 s (open loop, latency from when each request was due) and
# checks every answer against netcalc cidr -o json; wrk (Debian's) then
# measures the most it answers (2 threads, 32 connections, 10 s).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
need wrk wrk
need curl curl
cd "$BENCH_OUT"
port=${SERVE_BENCH_PORT:-18471}
"$NETCALC" serve --listen "127.0.0.1:$port" 2>serve.err &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q serving serve.err 2>/dev/null && break; sleep 0.05; done
url="http://127.0.0.1:$port/api/cidr?q=192.168.1.10/24"
curl -fsS "$url" >serve.api.json
"$NETCALC" cidr -o json 192.168.1.10/24 >serve.cli.json
cmp -s serve.api.json serve.cli.json || { echo "serve: /api/cidr and netcalc cidr -o json differ"; exit 1; }
page=$(curl -fsS -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/")
js=$(curl -fsS -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/app.js")
css=$(curl -fsS -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/app.css")
echo "serve first view: $((page + js + css)) bytes (index.html $page, app.js $js, app.css $css; goal under 300 KB)"
here=$(cd "$(dirname "$0")" && pwd)
go build -o serve_load "$here/serve_load.go"
for q in "192.168.1.10/24" "2001:db8::1/64"; do
  url="http://127.0.0.1:$port/api/cidr?q=$q"
  "$NETCALC" cidr -o json "$q" >serve.want.json
  echo "machine $(uptime | sed 's/.*load/load/') on $(nproc) cores"
  echo "serve /api/cidr?q=$q at 5000/s: $(./serve_load -url "$url" -rate 5000 -d 10s -want serve.want.json)"
  wrk -t2 -c32 -d10s --latency "$url" >serve.wrk.txt
  rps=$(awk '/^Requests\/sec/ {print $2}' serve.wrk.txt)
  p50=$(awk '$1 == "50%" {print $2}' serve.wrk.txt)
  p99=$(awk '$1 == "99%" {print $2}' serve.wrk.txt)
  errs=$(awk '/Non-2xx|Socket errors/ {print}' serve.wrk.txt)
  echo "serve /api/cidr?q=$q at most: $rps requests/s, p50 $p50, p99 $p99 (wrk -t2 -c32 -d10s)${errs:+; $errs}"
done
