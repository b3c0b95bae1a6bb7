#!/usr/bin/env bash
# Delivery stall of hark's JetStream transport when a server of a
# 3-server nats-server cluster is killed with SIGKILL.
#
#   docs/bench/failover.sh [NATS_SERVER_BIN [COUNT]]
#
# NATS_SERVER_BIN is the nats-server binary to run (default: the
# HARK_TEST_NATS_SERVER_BIN environment variable, else nats-server on
# PATH; build 2.15.2, the version go.mod names, with
#   go build -o /tmp/nsbin/nats-server github.com/nats-io/nats-server/v2
# from this module). COUNT (default 1) repeats every scenario, since each
# election takes a random 4-9s.
#
# The measurement is the Go tests of transport/nats that kill servers with
# SIGKILL (failover_test.go, cluster_server_behaviour_test.go), run on
# nats-server processes of that binary rather than on the test binary's
# own nats-server: each scenario starts three servers on free loopback
# ports (clients, routes, monitoring), their stores and logs in a
# temporary directory, routed to each other as cluster "hark-test"; hark
# publishes (replicas=3, one notification every 5ms, each retried on
# its message ID until stored) and listens (acknowledging everything); the
# test finds the leaders through the JetStream API and moves them where
# the scenario wants them, kills the victim by pid with SIGKILL, goes on
# until deliveries have resumed, checks that every stored notification
# arrived, and stops the servers by pid. Scenarios, the victim being:
#
#   stream_leader               the stream's leader
#   consumer_leader             the listener's consumer's leader
#   stream_and_consumer_leader  both (where they start out)
#   sigkill (connection)        the server the listener is connected to
#   sigkill (pull statuses)     the consumer's leader, seen by a plain
#                               nats.go pull consumer (what the server
#                               answers pull requests and the consumer
#                               API during the election)
#
# It prints each scenario's figures (STALL: the longest gap between two
# deliveries after the kill; the election time; the publisher's longest
# gap; the longest send-to-delivery latency) and timelines; the full
# verbose output, with the transports' debug log, is kept in a file named
# at the end. A stall over the bound (8s, or the election time plus 3s)
# fails the test, and the script with it.
set -euo pipefail
bin=${1:-${HARK_TEST_NATS_SERVER_BIN:-$(command -v nats-server || true)}}
count=${2:-1}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	echo "usage: $0 NATS_SERVER_BIN [COUNT]  (no nats-server binary found)" >&2
	exit 2
fi
cd "$(dirname "$0")/../.."
out=$(mktemp -t hark-failover.XXXXXX)
echo "nats-server: $("$bin" --version); full output: $out" >&2

status=0
# -parallel 1: one cluster at a time, for figures undisturbed by another.
HARK_TEST_NATS_SERVER_BIN=$bin go test ./transport/nats/ -count="$count" -parallel 1 -v -timeout 30m \
	-run '^(TestStreamLeaderSIGKILLResumes|TestConnectionServerKillResumes|TestPullStatusesOnLeaderKill)$/^(.*leader|sigkill)$' \
	>"$out" 2>&1 || status=$?

# The figures, then the timelines without the transports' debug lines.
grep -E 'STALL|elected|first message published after the kill|^\s*--- (PASS|FAIL)' "$out" | sed -E 's/^ +//' || true
echo
grep -vE '^\s+logger\.go:[0-9]+:' "$out" | grep -E '^\s+[-+][0-9]+\.[0-9]{3}  |timeline|what a pull consumer' || true
echo
echo "full output: $out" >&2
exit "$status"
