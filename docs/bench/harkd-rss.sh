#!/usr/bin/env bash
# Peak memory of harkd draining a large backlog (BENCHMARKS.md, "Memory").
#
#   docs/bench/harkd-rss.sh URL [COUNT]
#
# Sends COUNT (default 1000000) notifications of about 500 bytes to a fresh
# exchange on the broker URL names (nats://..., rabbit://..., kafka://...;
# Kafka topic names leave the exchange out, so there the non-pooled group
# drains topic notifications: use a fresh broker, e.g. a
# docs/bench/kfakebroker), then starts
# harkd with its default listener settings (pooled executor, 64 workers,
# prefetch 256) and a file endpoint writing to /dev/null, waits until
# harkd has acknowledged every notification, stops it with SIGTERM, and
# prints its peak resident set size (VmHWM) and the drain rate.
#
# It builds hark and harkd into a temporary directory and removes the
# exchange's stream or queue afterwards only as far as harkd's own
# cleanup goes: run it against a scratch broker.
set -euo pipefail
url=${1:?usage: $0 URL [COUNT]}
count=${2:-1000000}
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
exchange="harkrss$(date +%s)"
port=$((20000 + RANDOM % 20000))

cat >"$work/harkd.yaml" <<YAML
transport_url: "$url"
listener:
  targets: [{exchange: $exchange, topic: notifications}]
endpoints:
  - {name: sink, type: file, path: /dev/null}
http: {listen: "127.0.0.1:$port"}
log: {level: warn}
YAML

# The non-pooled group keeps what is sent before any listener runs, as
# oslo's publisher declares that queue.
echo "sending $count notifications to $exchange ..." >&2
payload='{"instance_id": "6f0b7c43-2a4e-4e0b-9a57-0c9a7d1f3e21", "state": "active", "host": "compute-17", "memory_mb": 2048, "vcpus": 2, "pad": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
"$work/hark" notify --url "$url" --exchange "$exchange" --event-type compute.instance.update \
	--payload "$payload" --count "$count" --concurrency 64 >&2

echo "draining with harkd ..." >&2
start=$(date +%s.%N)
"$work/harkd" --config "$work/harkd.yaml" 2>"$work/harkd.log" &
harkd_pid=$!
acked=0
peak=0
while [ "$acked" -lt "$count" ]; do
	sleep 0.5
	if ! kill -0 "$harkd_pid" 2>/dev/null; then
		echo "harkd exited early:" >&2
		cat "$work/harkd.log" >&2
		exit 1
	fi
	hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$harkd_pid/status")
	peak=$((hwm > peak ? hwm : peak))
	acked=$(curl -s "127.0.0.1:$port/metrics" |
		awk '/^hark_notifications_acked_total/ {s += $2} END {printf "%d", s}')
done
end=$(date +%s.%N)
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$harkd_pid/status")
peak=$((hwm > peak ? hwm : peak))
kill -TERM "$harkd_pid"
wait "$harkd_pid"
harkd_pid=""
awk -v n="$count" -v s="$start" -v e="$end" -v kb="$peak" 'BEGIN {
	printf "harkd drained %d notifications in %.1fs (%.0f msg/s); peak RSS %.1f MiB\n", n, e - s, n / (e - s), kb / 1024
}'
