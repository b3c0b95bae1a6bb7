package kafka

import (
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/harkmq/hark/transport/internal/driverkit"
)

// retryRecord is the copy of d written to its group's retry topic for a
// requeue after delay: the value byte for byte, the record's headers (but
// older retry headers), and the retry headers: the deliveries so far, the
// due time, where the record was first read and by which group.
func (d *delivery) retryRecord(delay time.Duration) *kgo.Record {
	l := d.l
	src := l.sources[d.rec.Topic]
	main := d.rec.Topic
	topic, partition, offset := d.rec.Topic, d.rec.Partition, d.rec.Offset
	if src.retry {
		main = src.main
		if d.retry.ok {
			topic, partition, offset = d.retry.topic, d.retry.partition, d.retry.offset
		}
	}
	hs := make([]kgo.RecordHeader, 0, len(d.rec.Headers)+6)
	for _, h := range d.rec.Headers {
		if !strings.HasPrefix(h.Key, "Hark-Retry-") {
			hs = append(hs, h)
		}
	}
	due := time.Now().Add(max(delay, 0)).UnixMilli()
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderRetryDeliveries, Value: strconv.AppendInt(nil, int64(d.count), 10)},
		kgo.RecordHeader{Key: HeaderRetryDue, Value: strconv.AppendInt(nil, due, 10)},
		kgo.RecordHeader{Key: HeaderRetryTopic, Value: []byte(topic)},
		kgo.RecordHeader{Key: HeaderRetryPartition, Value: strconv.AppendInt(nil, int64(partition), 10)},
		kgo.RecordHeader{Key: HeaderRetryOffset, Value: strconv.AppendInt(nil, offset, 10)},
		kgo.RecordHeader{Key: HeaderRetryGroup, Value: []byte(l.group)},
	)
	return &kgo.Record{Topic: retryTopicName(l.group, main), Value: d.rec.Value, Headers: hs}
}

// requeueInMemory requeues a delivery of a transient group, which has no
// retry topic (it would outlive the group): the same record is handed out
// again after delay with its count raised. It is lost if the process
// dies, like everything a transient group holds.
func (d *delivery) requeueInMemory(delay time.Duration) {
	l := d.l
	again := &delivery{l: l, rec: d.rec, key: d.key, ps: d.ps, msg: d.msg, src: d.src, count: d.count + 1}
	l.mu.Lock()
	l.endLocked(d, driverkit.Settled)
	l.mu.Unlock()
	time.AfterFunc(max(delay, 0), func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.stopped {
			l.addLocked(again)
		}
	})
}
