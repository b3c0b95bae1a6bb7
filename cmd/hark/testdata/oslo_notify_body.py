"""Print the body oslo.messaging's rabbit notifier would publish.

Runs the real oslo Notifier and rabbit driver (python3-oslo.messaging)
with the broker connection replaced by a recorder, and the random ids and
the clock fixed to the ones given, so that the body can be compared byte
for byte with hark's. Input: one JSON object on argv[1] (see the test).
"""
import contextlib
import datetime
import json
import sys
import uuid

from kombu.utils import json as kombu_json
from oslo_config import cfg
import oslo_messaging
from oslo_messaging._drivers import amqpdriver
from oslo_utils import timeutils


def main():
    spec = json.loads(sys.argv[1])
    ids = iter([uuid.UUID(spec["message_id"]), uuid.UUID(spec["unique_id"])])
    uuid.uuid4 = lambda: next(ids)
    stamp = datetime.datetime.fromisoformat(spec["timestamp"])
    timeutils.utcnow = lambda *a, **k: stamp

    sent = []

    class Conn:
        def notify_send(self, exchange, topic, msg, retry=None, **kwargs):
            sent.append(msg)

    @contextlib.contextmanager
    def get_connection(self, purpose, retry=None):
        yield Conn()

    amqpdriver.AMQPDriverBase._get_connection = get_connection

    conf = cfg.ConfigOpts()
    conf([])
    transport = oslo_messaging.get_notification_transport(conf, url="rabbit://guest:guest@127.0.0.1:1/")
    notifier = oslo_messaging.Notifier(transport, publisher_id=spec["publisher_id"],
                                       driver=spec["driver"], topics=["notifications"])
    ctxt = json.loads(spec["context"])
    payload = json.loads(spec["payload"])
    getattr(notifier, spec["priority"])(ctxt, spec["event_type"], payload)
    assert len(sent) == 1, sent
    # kombu's json serializer writes the published body.
    sys.stdout.write(kombu_json.dumps(sent[0]))


if __name__ == "__main__":
    main()
