#!/usr/bin/env bash
# split/vlsm: netcalc split vs sipcalc -s/-S and Python ipaddress subnets() on
# the same parents; outputs compared as CIDR lists, best of 3 wall times.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
need sipcalc sipcalc
cd "$BENCH_OUT"
for c in "10.0.0.0/8 24" "10.0.0.0/8 28" "10.0.0.0/8 32" "2001:db8::/44 64"; do
  set -- $c
  read -r nt nr < <(best3 split.nc.txt "$NETCALC" split "$1" --prefix "$2" --limit 0)
  if [ "$2" != 32 ]; then
    read -r pt pr < <(best3 split.py.txt python3 -c "import ipaddress,sys; sys.stdout.writelines(str(n)+'\n' for n in ipaddress.ip_network('$1').subnets(new_prefix=$2))")
    cmp -s split.nc.txt split.py.txt || { echo "split $1 /$2: netcalc and Python differ"; exit 1; }
    report "split $1 into /$2" "$nt" "$nr" python3 "$pt" "$pr"
  fi
  case $1 in
    *:*) read -r st sr < <(best3 split.sc.raw sipcalc "$1" -S "$2")
         python3 -c "
import ipaddress
print('\n'.join(str(ipaddress.ip_network(l.split()[2]+'/$2')) for l in open('split.sc.raw') if l.startswith('Network')))" >split.sc.txt ;;
    *)   read -r st sr < <(best3 split.sc.raw sipcalc "$1" -s "$2")
         awk -v n="$2" '/^Network/{print $3"/"n}' split.sc.raw >split.sc.txt ;;
  esac
  cmp -s split.nc.txt split.sc.txt || { echo "split $1 /$2: netcalc and sipcalc differ"; exit 1; }
  report "split $1 into /$2 ($(wc -l <split.nc.txt) lines)" "$nt" "$nr" sipcalc "$st" "$sr"
done
python3 -c "import random; random.seed(7); print(' '.join(str(random.randint(1,2000)) for _ in range(1000)))" >vlsm.req
# shellcheck disable=SC2046
read -r vt vr < <(best3 vlsm.txt "$NETCALC" vlsm 10.0.0.0/8 $(cat vlsm.req))
echo "vlsm 10.0.0.0/8 with 1000 random requests: $vt s, $((vr / 1024)) MB, $(grep -vc unused vlsm.txt) allocations"
