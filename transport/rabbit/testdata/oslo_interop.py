#!/usr/bin/python3
"""The real oslo.messaging, driven by hark's interop tests.

Usage: oslo_interop.py notify|listen '<json spec>'

notify: sends spec["notifications"] with an oslo Notifier on spec["url"]
(the transport_url, oslo options in its query), control_exchange
spec["exchange"], topic spec["topic"], driver spec["driver"] (messaging or
messagingv2), publisher spec["publisher_id"]. Each notification is
{"priority": "info", "event_type": ..., "payload": ..., "context": {...}}.
oslo's "test" driver runs next to the messaging driver; what it recorded
(the message dict as sent, message_id, timestamp and _unique_id included)
is printed as one JSON array on stdout.

listen: runs an oslo notification listener on spec["url"], exchange,
topic, spec["pool"] (null for none) and spec["priorities"], prints "READY"
once consuming, then one JSON object per notification received:
{"priority", "ctxt", "publisher_id", "event_type", "payload", "metadata"}.
It stops when stdin closes, after spec["count"] notifications if given, or
after spec["timeout"] seconds.
"""

import json
import logging
import sys
import threading
import time

import oslo_messaging
from oslo_config import cfg


def transport(spec):
    conf = cfg.ConfigOpts()
    conf([], project="hark-interop")
    oslo_messaging.set_transport_defaults(control_exchange=spec["exchange"])
    return conf, oslo_messaging.get_notification_transport(conf, url=spec["url"])


def notify(spec):
    from oslo_messaging.notify import _impl_test

    conf, tr = transport(spec)
    conf.set_override("driver", [spec["driver"], "test"],
                      group="oslo_messaging_notifications")
    conf.set_override("topics", [spec["topic"]],
                      group="oslo_messaging_notifications")
    n = oslo_messaging.Notifier(tr, publisher_id=spec["publisher_id"], retry=3)
    _impl_test.reset()
    for item in spec["notifications"]:
        getattr(n, item["priority"])(item["context"], item["event_type"],
                                     item["payload"])
    sent = [{"ctxt": c, "message": m, "priority": p}
            for c, m, p, _ in _impl_test.NOTIFICATIONS]
    json.dump(sent, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    tr.cleanup()


class Recorder(object):
    """Prints every notification it gets as a JSON line."""

    def __init__(self, out, done, count):
        self.lock = threading.Lock()
        self.out = out
        self.done = done
        self.count = count
        self.seen = 0

    def _record(self, prio, ctxt, publisher_id, event_type, payload,
                metadata):
        with self.lock:
            self.out.write(json.dumps({
                "priority": prio, "ctxt": ctxt,
                "publisher_id": publisher_id, "event_type": event_type,
                "payload": payload, "metadata": metadata}) + "\n")
            self.out.flush()
            self.seen += 1
            if self.count and self.seen >= self.count:
                self.done.set()
        return oslo_messaging.NotificationResult.HANDLED


def _method(prio):
    def m(self, ctxt, publisher_id, event_type, payload, metadata):
        return self._record(prio, ctxt, publisher_id, event_type, payload,
                            metadata)
    return m


def endpoint(priorities, out, done, count):
    """An endpoint with a method for each priority asked for: oslo
    subscribes to the priorities its endpoints implement."""
    cls = type("Endpoint", (Recorder,), {p: _method(p) for p in priorities})
    return cls(out, done, count)


def listen(spec):
    _, tr = transport(spec)
    done = threading.Event()
    ep = endpoint(spec.get("priorities", ["info"]), sys.stdout, done,
                  spec.get("count"))
    targets = [oslo_messaging.Target(topic=spec["topic"],
                                     exchange=spec["exchange"])]
    listener = oslo_messaging.get_notification_listener(
        tr, targets, [ep], executor="threading", pool=spec.get("pool"))
    listener.start()
    sys.stdout.write("READY\n")
    sys.stdout.flush()

    def stdin_closed():
        sys.stdin.read()
        done.set()

    threading.Thread(target=stdin_closed, daemon=True).start()
    done.wait(spec.get("timeout", 60))
    listener.stop()
    listener.wait()
    tr.cleanup()


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    cmd, spec = sys.argv[1], json.loads(sys.argv[2])
    {"notify": notify, "listen": listen}[cmd](spec)


if __name__ == "__main__":
    main()
