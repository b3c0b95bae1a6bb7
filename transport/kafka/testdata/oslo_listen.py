"""Receive notifications with the real oslo.messaging kafka driver.

Starts oslo_messaging.get_notification_listener (executor 'threading') on
--url for --topic, in consumer group --pool (none: oslo's consumer_group
option), with an endpoint for every priority. It writes {"ready": true}
once the listener has started, then one JSON line per notification
({"method", "ctxt", "publisher_id", "event_type", "payload",
"message_id", "timestamp"}), and stops when stdin is closed (or after
--max-seconds). Exit status 2: oslo.messaging or confluent_kafka is not
importable (the test skips).
"""
import argparse
import json
import logging
import sys
import threading

try:
    from oslo_config import cfg
    import oslo_messaging
    import confluent_kafka  # noqa: F401 (the kafka driver needs it)
except ImportError as e:
    sys.stderr.write("SKIP %s\n" % e)
    sys.exit(2)

_out = threading.Lock()


def emit(obj):
    with _out:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class Endpoint(object):
    def _record(self, method, ctxt, publisher_id, event_type, payload, metadata):
        emit({"method": method, "ctxt": ctxt, "publisher_id": publisher_id,
              "event_type": event_type, "payload": payload,
              "message_id": metadata.get("message_id"),
              "timestamp": metadata.get("timestamp")})
        return oslo_messaging.NotificationResult.HANDLED


for _m in ("audit", "debug", "info", "warn", "error", "critical", "sample"):
    setattr(Endpoint, _m, (lambda m: lambda self, *a: self._record(m, *a))(_m))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--topic", default="notifications")
    ap.add_argument("--pool", default=None)
    ap.add_argument("--max-seconds", type=float, default=120)
    args = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

    conf = cfg.ConfigOpts()
    conf([])
    transport = oslo_messaging.get_notification_transport(conf, url=args.url)
    listener = oslo_messaging.get_notification_listener(
        transport, [oslo_messaging.Target(topic=args.topic)], [Endpoint()],
        executor="threading", pool=args.pool)
    listener.start()
    emit({"ready": True})
    done = threading.Event()

    def wait_stdin():
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    done.wait(args.max_seconds)
    listener.stop()
    listener.wait()
    transport.cleanup()


if __name__ == "__main__":
    main()
