#!/usr/bin/env bash
# What a broker outage in the middle of a send does to what arrives.
#
#   docs/bench/send-outage.sh SCENARIO
#
# Starts harkd with one file endpoint (JSON lines, one object per
# notification, with metadata.message_id), then runs
#   hark notify --count 20000
# at its defaults (no --retry, --timeout or --concurrency: only --url,
# --exchange, --topic, --event-type and --count) on a fresh exchange and
# topic, disrupts the broker mid-send (once harkd has written a fifth of
# the notifications), waits for hark notify to exit, waits (bounded) for
# harkd to catch up, and counts what reached the file. SCENARIO is one of:
#
#   nats-kill      a nats-server process (JetStream, store in the temp dir),
#                  harkd and hark notify connected to it; kill -9 the server,
#                  start it again on the same port and store 5 s later.
#   nats-freeze    the same server, frozen: SIGSTOP for 12 s, then SIGCONT
#                  (a hung broker: connections stay open, nothing answers).
#   embedded-kill  harkd with its embedded server (embedded.listen on a free
#                  port, embedded.store_dir in the temp dir); hark notify
#                  sends to that server. kill -9 harkd (its server dies with
#                  it) and start it again on the same config 1 s later;
#                  twice, the second time once a further tenth has arrived.
#   rabbit-outage  RabbitMQ ($RABBIT_ADDR, default 127.0.0.1:5672,
#                  guest/guest) behind a TCP proxy (docs/bench/outageproxy.go)
#                  that resets every connection and refuses new ones for
#                  30 s. This is a NETWORK outage, not a broker restart: the
#                  broker keeps running and keeps its queues, and only this
#                  script's clients lose it, so the machine's RabbitMQ is
#                  not disturbed for anyone else.
#
# It prints one line per run on standard output:
#   SCENARIO: hark notify exit CODE, "SUMMARY" in SECONDS;
#     harkd wrote LINES lines, DISTINCT distinct ids, DUPS duplicates;
#     lost LOST of COUNT (not sent per hark notify: FAILED; sent but never
#     arrived: at least MISSING)
# where
#   - SUMMARY is hark notify's own last line ("sent N of M ...");
#   - SECONDS is the wall time of hark notify, start to exit;
#   - DUPS is LINES - DISTINCT (a notification written more than once);
#   - LOST is COUNT - DISTINCT: notifications that never reached the file.
#     hark notify does not print the message ids it sent, so loss is
#     counted against what was asked for; the sender's side of it is
#     FAILED = COUNT - N, what hark notify itself says it did not send.
#     MISSING = N - DISTINCT when positive: notifications hark notify
#     counted as sent that never arrived, which nothing can excuse. A
#     DISTINCT above N means some sends that hark notify counted as failed
#     arrived anyway (the broker stored them; the confirmation was lost).
# A timeline (disruption, restarts, hark notify's last error) goes to
# standard error. The process exits 0 when the measurement itself ran;
# losses are results, not errors.
#
# Environment:
#   COUNT=20000                notifications to send
#   NOTIFY_FLAGS=              extra hark notify flags, e.g. "--concurrency 8"
#   NATS_SERVER_BIN=/tmp/nsbin/nats-server
#                              nats-server 2.10 or later, e.g. built from this
#                              module: go build -o /tmp/nsbin/nats-server \
#                              github.com/nats-io/nats-server/v2
#   RABBIT_ADDR=127.0.0.1:5672, RABBIT_CREDS=guest:guest
#   NATS_DOWN=5, FREEZE=12, RABBIT_DOWN=30   outage lengths, seconds
#   NOTIFY_WAIT=600            bound on hark notify's run, seconds (then killed)
#   CATCHUP_WAIT=180           bound on waiting for harkd afterwards, seconds
#
# Everything lives in a temporary directory removed at exit (KEEP=1 keeps
# it and prints where: logs, config, the JSON lines), and every process the
# script starts is stopped by its pid at exit. All listeners are on
# 127.0.0.1, on free ports. rabbit-outage deletes the queues it made with
# rabbitmqctl when that works here (its empty exchange stays).
set -euo pipefail
usage="usage: $0 nats-kill|nats-freeze|embedded-kill|rabbit-outage"
scenario=${1:?$usage}
case "$scenario" in
nats-kill | nats-freeze | embedded-kill | rabbit-outage) ;;
*)
	echo "$usage" >&2
	exit 2
	;;
esac
count=${COUNT:-20000}
nats_bin=${NATS_SERVER_BIN:-/tmp/nsbin/nats-server}
rabbit_addr=${RABBIT_ADDR:-127.0.0.1:5672}
rabbit_creds=${RABBIT_CREDS:-guest:guest}
notify_wait=${NOTIFY_WAIT:-600}
catchup_wait=${CATCHUP_WAIT:-180}
read -r -a notify_flags <<<"${NOTIFY_FLAGS:-}"
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
t0=$EPOCHREALTIME
nats_pid="" harkd_pid="" proxy_pid="" notify_pid="" notify_sh=""
exchange="outage_${scenario//-/_}_$(date +%s)_$$"
topic="outage_$(date +%s)_$$"
out="$work/notifications.jsonl"

say() { awk -v t0="$t0" -v t="$EPOCHREALTIME" -v m="$*" 'BEGIN { printf "[%6.1fs] %s\n", t - t0, m }' >&2; }
die() {
	say "error: $*"
	exit 1
}

# alive PID: the process runs (a zombie, dead but not yet reaped, does not).
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop PID: SIGCONT (it may be frozen), SIGTERM, SIGKILL after 10 s; reaps it.
stop() {
	local pid=$1
	if alive "$pid"; then
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			alive "$pid" || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local pid
	# hark notify is the subshell's child: once notify.end is written it
	# has exited and been reaped, and its pid is no longer ours to signal.
	if [ -n "$notify_pid" ] && [ ! -e "$work/notify.end" ]; then
		stop "$notify_pid"
	fi
	for pid in "$notify_sh" "$harkd_pid" "$proxy_pid" "$nats_pid"; do
		[ -n "$pid" ] && stop "$pid"
	done
	if [ "$scenario" = rabbit-outage ] && command -v rabbitmqctl >/dev/null 2>&1; then
		# The queues harkd declared: "<topic>.<priority>", and its
		# dead-letter and retry queues, all named after the fresh topic.
		timeout 30 rabbitmqctl list_queues name -q --no-table-headers 2>/dev/null |
			grep -F "$topic." | while read -r q; do
			timeout 30 rabbitmqctl delete_queue "$q" </dev/null >/dev/null 2>&1 || true
		done || true
	fi
	if [ -n "${KEEP:-}" ]; then
		echo "kept $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port VAR: a port nothing listens on and not handed out before, below
# the ephemeral range so that no client connection holds it either.
taken=" "
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000)) # below the usual ephemeral range (32768-)
		case "$taken" in *" $p "*) continue ;; esac
		listening "$p" && continue
		taken+="$p "
		printf -v "$1" %d "$p"
		return
	done
}

# received: lines harkd has written so far.
received() {
	if [ -f "$out" ]; then wc -l <"$out"; else echo 0; fi
}

# metric NAME: the sum of NAME's series on harkd's /metrics; empty when
# harkd does not answer or has none.
metric() {
	{ curl -s -m 2 "127.0.0.1:$http_port/metrics" 2>/dev/null || true; } |
		awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2; n++ } END { if (n) printf "%d", s }'
}

start_nats() {
	"$nats_bin" -a 127.0.0.1 -p "$nats_port" -js -sd "$work/nats-store" >>"$work/nats.log" 2>&1 &
	nats_pid=$!
	for _ in $(seq 1 200); do
		listening "$nats_port" && return 0
		alive "$nats_pid" || break
		sleep 0.05
	done
	tail -n 20 "$work/nats.log" >&2
	die "nats-server did not start on 127.0.0.1:$nats_port"
}

# start_harkd: starts harkd and waits (60 s at most) for /readyz; returns
# 1 if it is not ready by then, and exits if harkd died.
start_harkd() {
	"$work/harkd" --config "$work/harkd.yaml" >>"$work/harkd.out" 2>>"$work/harkd.log" &
	harkd_pid=$!
	for _ in $(seq 1 600); do
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "127.0.0.1:$http_port/readyz" 2>/dev/null || true)" = 200 ] && return 0
		if ! alive "$harkd_pid"; then
			tail -n 30 "$work/harkd.log" >&2
			die "harkd exited early"
		fi
		sleep 0.1
	done
	say "harkd is not ready after 60s"
	return 1
}

# wait_received N SECONDS: until harkd has written N lines, hark notify has
# exited, or SECONDS have passed.
wait_received() {
	local deadline=$((SECONDS + $2))
	while [ "$(received)" -lt "$1" ] && alive "$notify_pid" && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.05
	done
}

command -v curl >/dev/null || die "curl is needed"
say "building hark and harkd"
go build -o "$work/hark" ./cmd/hark
go build -o "$work/harkd" ./cmd/harkd
free_port http_port

case "$scenario" in
nats-*)
	[ -x "$nats_bin" ] || die "no nats-server at $nats_bin (set NATS_SERVER_BIN; go build -o $nats_bin github.com/nats-io/nats-server/v2)"
	free_port nats_port
	start_nats
	say "$("$nats_bin" --version) on 127.0.0.1:$nats_port, pid $nats_pid"
	url="nats://127.0.0.1:$nats_port"
	transport="transport_url: \"$url\""
	;;
embedded-kill)
	free_port nats_port
	url="nats://127.0.0.1:$nats_port"
	transport="embedded: {listen: \"127.0.0.1:$nats_port\", store_dir: \"$work/harkd-data\"}"
	;;
rabbit-outage)
	listening "${rabbit_addr##*:}" || die "no RabbitMQ listening at $rabbit_addr (RABBIT_ADDR)"
	go build -o "$work/outageproxy" docs/bench/outageproxy.go
	"$work/outageproxy" -upstream "$rabbit_addr" -addr-file "$work/proxy.addr" 2>>"$work/proxy.log" &
	proxy_pid=$!
	for _ in $(seq 1 100); do
		[ -s "$work/proxy.addr" ] && break
		sleep 0.05
	done
	[ -s "$work/proxy.addr" ] || die "outageproxy did not start: $(cat "$work/proxy.log")"
	proxy_addr=$(cat "$work/proxy.addr")
	say "outageproxy on $proxy_addr in front of RabbitMQ at $rabbit_addr, pid $proxy_pid"
	url="rabbit://$rabbit_creds@$proxy_addr/"
	transport="transport_url: \"$url\""
	;;
esac

cat >"$work/harkd.yaml" <<YAML
$transport
listener:
  targets: [{exchange: $exchange, topic: $topic}]
endpoints:
  - {name: sink, type: file, path: "$out"}
http: {listen: "127.0.0.1:$http_port"}
metrics: {backlog_interval: 1s}
log: {level: warn}
YAML
start_harkd || die "harkd did not get ready"
say "harkd ready, pid $harkd_pid; sending $count notifications to $exchange/$topic"

# hark notify runs under a subshell that records its exit code and time
# (notify.end) the moment it exits, whatever the script is doing then;
# notify_pid is hark's own pid, for stopping it.
send_start=$EPOCHREALTIME
(
	"$work/hark" notify --url "$url" --exchange "$exchange" --topic "$topic" --event-type outage.test \
		--count "$count" "${notify_flags[@]}" >"$work/notify.out" 2>"$work/notify.err" &
	echo $! >"$work/notify.pid"
	rc=0
	wait $! || rc=$?
	echo "$rc $EPOCHREALTIME" >"$work/notify.end"
) &
notify_sh=$!
for _ in $(seq 1 100); do
	[ -s "$work/notify.pid" ] && break
	sleep 0.01
done
notify_pid=$(cat "$work/notify.pid")

disrupt_at=$((count / 5))
wait_received "$disrupt_at" 120
if alive "$notify_pid"; then
	say "disrupting with $(received) received, hark notify still sending"
else
	say "WARNING: hark notify exited before the disruption ($(received) received): the run measures no outage"
fi

case "$scenario" in
nats-kill)
	kill -KILL "$nats_pid"
	wait "$nats_pid" 2>/dev/null || true
	nats_pid=""
	say "nats-server killed (-9); restarting in ${NATS_DOWN:-5}s"
	sleep "${NATS_DOWN:-5}"
	start_nats
	say "nats-server restarted on the same port and store, pid $nats_pid ($(received) received)"
	;;
nats-freeze)
	kill -STOP "$nats_pid"
	say "nats-server frozen (SIGSTOP) for ${FREEZE:-12}s"
	sleep "${FREEZE:-12}"
	kill -CONT "$nats_pid"
	say "nats-server resumed (SIGCONT) ($(received) received)"
	;;
embedded-kill)
	for round in 1 2; do
		if [ "$round" = 2 ]; then
			wait_received $(($(received) + count / 10)) 30
			say "second kill with $(received) received"
		fi
		kill -KILL "$harkd_pid"
		wait "$harkd_pid" 2>/dev/null || true
		harkd_pid=""
		say "harkd killed (-9), with its embedded server; restarting in 1s"
		sleep 1
		start_harkd || true
		say "harkd restarted, pid $harkd_pid ($(received) received)"
	done
	;;
rabbit-outage)
	kill -USR1 "$proxy_pid"
	say "network outage: connections to RabbitMQ reset and refused for ${RABBIT_DOWN:-30}s"
	sleep "${RABBIT_DOWN:-30}"
	kill -USR2 "$proxy_pid"
	say "network back ($(received) received)"
	;;
esac

deadline=$((SECONDS + notify_wait))
while alive "$notify_pid" && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 0.05
done
if alive "$notify_pid"; then
	say "hark notify still running after ${notify_wait}s: stopping it"
	stop "$notify_pid"
fi
wait "$notify_sh" || true
notify_sh="" notify_pid=""
read -r notify_rc send_end <"$work/notify.end"
send_secs=$(awk -v s="$send_start" -v e="$send_end" 'BEGIN { printf "%.1f", e - s }')
summary=$(grep -m1 '^sent ' "$work/notify.out" || true)
sent=$(printf '%s\n' "$summary" | sed -n 's/^sent \([0-9][0-9]*\) .*/\1/p')
sent=${sent:-0}
say "hark notify exited $notify_rc after ${send_secs}s: ${summary:-(no summary)}"
if [ -s "$work/notify.err" ]; then
	say "hark notify's standard error ends: $(tail -n 1 "$work/notify.err")"
fi

# Caught up: nothing left for harkd's group on the broker (backlog,
# refreshed every second), nothing in its handlers, and no new line for
# 3 s. Without a backlog figure: no new line for 45 s (longer than the
# 30 s after which NATS redelivers what a killed harkd held).
say "waiting (at most ${catchup_wait}s) for harkd to catch up"
deadline=$((SECONDS + catchup_wait))
last=-1
since=$SECONDS
reported=$SECONDS
while [ "$SECONDS" -lt "$deadline" ]; do
	n=$(received)
	if [ "$n" != "$last" ]; then
		last=$n
		since=$SECONDS
	fi
	quiet=$((SECONDS - since))
	backlog=$(metric hark_backlog_messages)
	inflight=$(metric hark_inflight)
	if [ "$quiet" -ge 3 ] && [ "$backlog" = 0 ] && [ "${inflight:-0}" = 0 ]; then
		break
	fi
	[ "$quiet" -ge 45 ] && break
	if [ $((SECONDS - reported)) -ge 10 ]; then
		reported=$SECONDS
		say "still waiting: $n lines, backlog ${backlog:-unknown}, in flight ${inflight:-unknown}"
	fi
	sleep 0.5
done
if [ "$SECONDS" -ge "$deadline" ]; then
	say "harkd had not caught up after ${catchup_wait}s (backlog ${backlog:-unknown}); counting what is there"
else
	say "harkd caught up: $(received) lines, backlog ${backlog:-unknown}"
fi

read -r lines distinct < <(
	{ grep -o '"message_id":"[^"]*"' "$out" 2>/dev/null || true; } | sort | uniq -c |
		awk '{ n += $1; d++ } END { printf "%d %d\n", n, d }'
)
dups=$((lines - distinct))
lost=$((count - distinct))
failed=$((count - sent))
missing=$((sent > distinct ? sent - distinct : 0))
printf '%s: hark notify exit %d, "%s" in %ss; harkd wrote %d lines, %d distinct ids, %d duplicates; lost %d of %d (not sent per hark notify: %d; sent but never arrived: at least %d)\n' \
	"$scenario" "$notify_rc" "${summary:-no summary}" "$send_secs" "$lines" "$distinct" "$dups" "$lost" "$count" "$failed" "$missing"
