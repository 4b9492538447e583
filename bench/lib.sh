# Helpers shared by bench/compare.d/*.sh (sourced).

# need PKG CMD: install Debian package PKG when CMD is missing.
need() {
  command -v "$2" >/dev/null 2>&1 && return 0
  echo "installing $1 from Debian" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null; }
}

# timeit OUTFILE CMD...: run CMD with stdout to OUTFILE; print "seconds maxrss_kb".
timeit() {
  local out=$1; shift
  /usr/bin/time -f '%e %M' -o "$BENCH_OUT/.time" "$@" >"$out"
  cat "$BENCH_OUT/.time"
}

# best3 OUTFILE CMD...: fastest wall time of three runs, and its max RSS.
best3() {
  local out=$1; shift
  local best="" rss=""
  for _ in 1 2 3; do
    read -r t m < <(timeit "$out" "$@")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}

# report NAME NETCALC_SECONDS NETCALC_RSS PEER PEER_SECONDS PEER_RSS
report() {
  awk -v n="$1" -v a="$2" -v ar="$3" -v p="$4" -v b="$5" -v br="$6" 'BEGIN{
    r = (b > 0) ? a / b : 0
    printf "%-40s netcalc %6.2fs %6.1f MB | %-12s %6.2fs %6.1f MB | ratio %.2f\n", n, a, ar/1024, p, b, br/1024, r }'
}

# best3_in INFILE OUTFILE CMD...: like best3, with INFILE as standard input of
# every run (a redirect around best3 would feed only the first run).
best3_in() {
  local in=$1 out=$2; shift 2
  local best="" rss="" t m
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$BENCH_OUT/.time" "$@" <"$in" >"$out"
    read -r t m <"$BENCH_OUT/.time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}

# pairs N INFILE OUTFILE -- CMD_A... -- CMD_B...: run A and B in N interleaved
# pairs (bench/pairs) and print "wallA cpuA rssA wallB cpuB rssB wallRatio
# cpuRatio load": medians, peak RSS in KB, the medians of the per-pair
# ratios A/B, and the load average before the runs. Load from other jobs
# drifts over seconds, so a ratio within a pair is fairer than best-of-3.
pairs() {
  local n=$1 in=$2 out=$3; shift 3
  [ -x "$BENCH_OUT/pairs" ] || (cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$BENCH_OUT/pairs" ./bench/pairs)
  "$BENCH_OUT/pairs" -n "$n" -in "$in" -out "$out" "$@"
}

# cpu_model: the CPU model name, for the figures' context.
cpu_model() { lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1; }
