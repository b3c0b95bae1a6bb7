"""Send notifications with the real oslo.messaging kafka driver.

Reads one JSON object per line on stdin, each
{"priority": "info", "event_type": ..., "publisher_id": ..., "ctxt": {...},
"payload": ...}, sends it with oslo_messaging.Notifier (driver given by
--driver, default messagingv2) on --url to --topic, and writes one JSON
line per notification to stdout: {"n": <line number>}. At the end it calls
transport.cleanup(), which flushes the producer: oslo's kafka producer
drops what it still has queued otherwise. Exit status 2: oslo.messaging or
confluent_kafka is not importable (the test skips).
"""
import argparse
import json
import logging
import sys

try:
    from oslo_config import cfg
    import oslo_messaging
    from oslo_messaging.notify.notifier import _sanitize_context
    import confluent_kafka  # noqa: F401 (the kafka driver needs it)
except ImportError as e:
    sys.stderr.write("SKIP %s\n" % e)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--topic", default="notifications")
    ap.add_argument("--driver", default="messagingv2")
    args = ap.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

    conf = cfg.ConfigOpts()
    conf([])
    transport = oslo_messaging.get_notification_transport(conf, url=args.url)
    notifier = oslo_messaging.Notifier(transport, driver=args.driver, topics=[args.topic])
    n = 0
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            spec = json.loads(line)
            send = getattr(notifier.prepare(publisher_id=spec.get("publisher_id")), spec["priority"])
            ctxt = spec.get("ctxt") or {}
            send(ctxt, spec["event_type"], spec.get("payload"))
            sys.stdout.write(json.dumps({"n": n, "ctxt": _sanitize_context(ctxt)}) + "\n")
            n += 1
    finally:
        transport.cleanup()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
