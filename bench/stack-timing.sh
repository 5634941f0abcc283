#!/usr/bin/env bash
# Measures `dotnet run --project AppHost` (already built) until the gateway and the worker answer /health 200,
# then SIGINT to the command's process group (what Ctrl-C in a terminal sends) until every process of the stack is
# gone: the command's descendants and those of the DCP it started (DCP detaches from the app host).
# Usage: flock /work/build.lock bench/stack-timing.sh <repository root> [arguments for the AppHost]
# (build first: dotnet build AppHost). VERBOSE=1 also prints when each process ended after the SIGINT.
set -u
set -m # background jobs get their own process group and keep SIGINT (a non-interactive shell would ignore it)
repo=$1; shift
cd "$repo"
log=$(mktemp /tmp/stack-timing.XXXX.log)
start=$(date +%s.%N)
dotnet run --project AppHost -- "$@" >"$log" 2>&1 &
leader=$!
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = 200 ]; }
gw=""; wk=""
while :; do
  now=$(date +%s.%N)
  if [ -z "$gw" ] && healthy http://127.0.0.1:5080/health; then gw=$(echo "$now - $start" | bc); fi
  if [ -z "$wk" ] && healthy http://127.0.0.1:5081/health; then wk=$(echo "$now - $start" | bc); fi
  [ -n "$gw" ] && [ -n "$wk" ] && break
  if [ "$(echo "$now - $start > 120" | bc)" = 1 ]; then echo "not healthy within 120 s (log $log)"; gw=0; wk=0; break; fi
  sleep 0.1
done
sleep 2
descendants() { local p; for p in $(ps -o pid= --ppid "$1"); do echo "$p"; descendants "$p"; done; }
kubeconfig=$(grep -o 'aspire-dcp[A-Za-z0-9]*' "$log" | head -1)
dcp=$(pgrep -f "$kubeconfig" || true)
pids=$( (echo "$leader"; descendants "$leader"; for d in $dcp; do echo "$d"; descendants "$d"; done) | tr -d ' ' | sort -un)
names=$(for p in $pids; do ps -o comm= -p "$p"; done | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')
stop=$(date +%s.%N)
kill -INT -- -"$leader"
declare -A label; for p in $pids; do label[$p]="$(ps -o args= -p "$p" | cut -c1-90)"; done
declare -A done_; report=""
while :; do
  alive=""; for p in $pids; do if kill -0 "$p" 2>/dev/null; then alive="$alive $p"; elif [ -z "${done_[$p]:-}" ]; then done_[$p]=1; report="$report$(printf '%6.2f %s' "$(echo "$(date +%s.%N) - $stop" | bc)" "${label[$p]}")\n"; fi; done
  [ -z "$alive" ] && break
  if [ "$(echo "$(date +%s.%N) - $stop > 60" | bc)" = 1 ]; then echo "still alive after 60 s:"; ps -o pid,comm,args -p "$(echo $alive | tr ' ' ,)"; kill -KILL $alive; break; fi
  sleep 0.05
done
[ -n "${VERBOSE:-}" ] && printf "$report"
gone=$(echo "$(date +%s.%N) - $stop" | bc)
printf 'gateway healthy %.2f s, worker healthy %.2f s, all gone %.2f s after SIGINT; processes: %s(log %s)\n' "$gw" "$wk" "$gone" "$names" "$log"
