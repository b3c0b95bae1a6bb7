#!/usr/bin/env bash
# Peak memory of harkd under concurrent compression bombs (BENCHMARKS.md,
# "Compression bombs").
#
#   docs/bench/harkd-bombs.sh URL [COUNT] [SIZE_MIB]
#
# Starts harkd with its default listener settings (pooled executor, 64
# workers, prefetch 256: every bomb is taken at once) and a file endpoint
# writing to /dev/null, on a fresh exchange on the broker URL names, sends
# COUNT (default 40) zlib bombs that inflate to SIZE_MIB (default 512) MiB
# each (docs/bench/bombs.go), waits until harkd has dead-lettered them all
# (hark_notifications_dead_lettered_total{reason="decode_error"}), stops
# it with SIGTERM, and prints its resident set size before the bombs and
# its peak (VmHWM). HARKD names a harkd binary to measure instead of one
# built from this tree (e.g. an older version's).
#
# It leaves the exchange's stream or queues and the dead letters behind:
# run it against a scratch broker.
set -euo pipefail
url=${1:?usage: $0 URL [COUNT] [SIZE_MIB]}
count=${2:-40}
size=${3:-512}
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

harkd=${HARKD:-}
if [ -z "$harkd" ]; then
	go build -o "$work/harkd" ./cmd/harkd
	harkd=$work/harkd
fi
go build -o "$work/bombs" docs/bench/bombs.go
exchange="harkbomb$(date +%s)"
port=$((20000 + RANDOM % 20000))

cat >"$work/harkd.yaml" <<YAML
transport_url: "$url"
listener:
  targets: [{exchange: $exchange, topic: notifications}]
endpoints:
  - {name: sink, type: file, path: /dev/null}
http: {listen: "127.0.0.1:$port"}
log: {level: error}
YAML

"$harkd" --config "$work/harkd.yaml" 2>"$work/harkd.log" &
harkd_pid=$!
until curl -sf "127.0.0.1:$port/readyz" >/dev/null; do
	if ! kill -0 "$harkd_pid" 2>/dev/null; then
		echo "harkd exited early:" >&2
		cat "$work/harkd.log" >&2
		exit 1
	fi
	sleep 0.2
done
sleep 1
before=$(awk '/^VmRSS:/ {print $2}' "/proc/$harkd_pid/status")

"$work/bombs" -url "$url" -exchange "$exchange" -count "$count" -size "$size" >&2
dead=0
start=$(date +%s)
while [ "$dead" -lt "$count" ]; do
	sleep 0.5
	if ! kill -0 "$harkd_pid" 2>/dev/null; then
		echo "harkd exited (out of memory?):" >&2
		tail -5 "$work/harkd.log" >&2
		exit 1
	fi
	if [ $(($(date +%s) - start)) -gt 600 ]; then
		echo "timed out with $dead of $count dead-lettered" >&2
		exit 1
	fi
	dead=$(curl -s "127.0.0.1:$port/metrics" |
		awk '/^hark_notifications_dead_lettered_total\{reason="decode_error"\}/ {printf "%d", $2}')
	dead=${dead:-0}
done
elapsed=$(($(date +%s) - start))
peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$harkd_pid/status")
kill -TERM "$harkd_pid"
wait "$harkd_pid" || true
harkd_pid=""
awk -v n="$count" -v s="$size" -v b="$before" -v p="$peak" -v e="$elapsed" 'BEGIN {
	printf "harkd dead-lettered %d zlib bombs of %d MiB in %ds; RSS before %.1f MiB, peak %.1f MiB\n", n, s, e, b / 1024, p / 1024
}'
