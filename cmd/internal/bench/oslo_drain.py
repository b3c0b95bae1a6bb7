"""hark bench's peer: the real oslo.messaging notification listener.

Run by "hark bench drain --oslo" as: python3 -c <this file> '<json spec>'

The spec names the broker (url, an oslo transport_url), exchange, topic,
count, workers (executor_thread_pool_size), prefetch
(rabbit_qos_prefetch_count) and priorities (default ["info"]). A listener
with oslo's default threading executor, whose endpoint has a method for
each of those priorities, drains count notifications from the non-pooled
queues "<topic>.<priority>" on that exchange, which hark filled
beforehand.

Output on stdout: "PROGRESS <n>" lines while it runs, then one JSON
object {"messages": n, "seconds": s}, where s runs from just before the
listener starts to the moment its endpoint saw the last notification.
Errors go to stderr with a non-zero exit status.
"""

import json
import sys
import threading
import time

import oslo_messaging
from oslo_config import cfg


class Counter(object):
    """Counts notifications; sets done at the last one."""

    def __init__(self, want):
        self.lock = threading.Lock()
        self.want = want
        self.seen = 0
        self.end = None
        self.done = threading.Event()

    def count(self, ctxt, publisher_id, event_type, payload, metadata):
        with self.lock:
            self.seen += 1
            if self.seen == self.want:
                self.end = time.monotonic()
                self.done.set()
        return oslo_messaging.NotificationResult.HANDLED


def endpoint(counter, priorities):
    """An endpoint with one method per priority, each counting: oslo's
    listener subscribes to the priorities its endpoints have methods for."""

    def method(self, ctxt, publisher_id, event_type, payload, metadata):
        return counter.count(ctxt, publisher_id, event_type, payload, metadata)

    return type("Endpoint", (object,), {p: method for p in priorities})()


def main():
    spec = json.loads(sys.argv[1])
    conf = cfg.ConfigOpts()
    conf([], project="hark-bench")
    oslo_messaging.set_transport_defaults(control_exchange=spec["exchange"])
    transport = oslo_messaging.get_notification_transport(conf, url=spec["url"])
    conf.set_override("rabbit_qos_prefetch_count", spec["prefetch"],
                      group="oslo_messaging_rabbit")
    counter = Counter(spec["count"])
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=spec["topic"])],
        [endpoint(counter, spec.get("priorities", ["info"]))],
        executor="threading")
    conf.set_override("executor_thread_pool_size", spec["workers"])

    stall = spec.get("stall", 30)
    start = time.monotonic()
    listener.start()
    last, last_change = 0, time.monotonic()
    while not counter.done.wait(0.5):
        seen = counter.seen
        sys.stdout.write("PROGRESS %d\n" % seen)
        sys.stdout.flush()
        if seen != last:
            last, last_change = seen, time.monotonic()
        elif time.monotonic() - last_change > stall:
            sys.stderr.write("oslo.messaging listener stalled at %d of %d "
                             "notifications for %ds\n"
                             % (seen, counter.want, stall))
            listener.stop()
            listener.wait()
            transport.cleanup()
            sys.exit(3)
    seconds = counter.end - start
    sys.stdout.write(json.dumps({"messages": counter.seen,
                                 "seconds": seconds}) + "\n")
    sys.stdout.flush()
    listener.stop()
    listener.wait()
    transport.cleanup()


main()
