#!/usr/bin/env bash
# What harkd costs on many topics (BENCHMARKS.md, "Many topics, idle").
#
#   docs/bench/harkd-idle.sh [TOPICS] [IDLE_SECONDS]
#
# Starts harkd with its embedded NATS server (so the server's CPU is
# counted too: it runs in harkd's process) and a plain config: one
# listener on TOPICS topics (default 1000) of exchange openstack, one log
# endpoint that takes every priority (7 subjects per topic), default
# workers and prefetch. It reports:
#   - the time from starting harkd to /readyz answering 200;
#   - harkd's CPU (user + system) over IDLE_SECONDS (default 30) of idle;
#   - its resident set (VmRSS) and goroutines (go_goroutines) while idle;
#   - that it delivers: one notification to each of 7 topics, one per
#     priority, all acknowledged.
# Everything lives in a temporary directory, removed at exit; harkd is
# stopped with SIGTERM.
set -euo pipefail
topics=${1:-1000}
idle=${2:-30}
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
harkd_pid=""
cleanup() {
	if [ -n "$harkd_pid" ] && kill -0 "$harkd_pid" 2>/dev/null; then
		kill "$harkd_pid"
		wait "$harkd_pid" || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/hark" ./cmd/hark
go build -o "$work/harkd" ./cmd/harkd
nats_port=$((20000 + RANDOM % 20000))
http_port=$((nats_port + 1))
{
	echo "embedded: {listen: \"127.0.0.1:$nats_port\", store_dir: \"$work/data\"}"
	echo "listener:"
	echo "  targets:"
	for i in $(seq 1 "$topics"); do
		echo "    - {exchange: openstack, topic: service$i.notifications}"
	done
	echo "endpoints:"
	echo "  - {name: sink, type: log, level: debug}"
	echo "http: {listen: \"127.0.0.1:$http_port\"}"
	echo "log: {level: warn}"
} >"$work/harkd.yaml"

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$harkd_pid/stat"; }
metric() { curl -s "127.0.0.1:$http_port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

start=$(date +%s.%N)
"$work/harkd" --config "$work/harkd.yaml" >"$work/harkd.out" 2>"$work/harkd.log" &
harkd_pid=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$http_port/readyz")" = 200 ]; do
	if ! kill -0 "$harkd_pid" 2>/dev/null; then
		echo "harkd exited early:" >&2
		cat "$work/harkd.log" >&2
		exit 1
	fi
	sleep 0.05
done
ready=$(date +%s.%N)
sleep 2 # let startup settle before measuring idle
c0=$(cpu)
t0=$(date +%s.%N)
sleep "$idle"
c1=$(cpu)
t1=$(date +%s.%N)
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$harkd_pid/status")
goroutines=$(metric go_goroutines)

prios=(audit debug info warn error critical sample)
for i in 0 1 2 3 4 5 6; do
	"$work/hark" notify --url "nats://127.0.0.1:$nats_port" --topic "service$(((i * 137) % topics + 1)).notifications" \
		--priority "${prios[$i]}" --event-type idle.check >/dev/null
done
acked=0
for _ in $(seq 1 100); do
	acked=$(curl -s "127.0.0.1:$http_port/metrics" | awk '/^hark_notifications_acked_total/ {s += $2} END {printf "%d", s}')
	[ "$acked" -ge 7 ] && break
	sleep 0.1
done

awk -v n="$topics" -v s="$start" -v r="$ready" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" \
	-v rss="$rss" -v g="$goroutines" -v acked="$acked" 'BEGIN {
	printf "harkd on %d topics x 7 priorities (embedded NATS): ready in %.2fs; idle CPU %.2f%% of a core over %.0fs; RSS %.1f MiB; %d goroutines; delivered %d of 7\n",
		n, r - s, 100 * (c1 - c0) / hz / (t1 - t0), t1 - t0, rss / 1024, g, acked
}'
[ "$acked" -ge 7 ]
