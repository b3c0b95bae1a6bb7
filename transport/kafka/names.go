package kafka

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/harkmq/hark/target"
	"github.com/harkmq/hark/transport"
)

// maxTopicLength is Kafka's limit on a topic name.
const maxTopicLength = 249

// retryTopicPrefix starts the name of every retry topic.
const retryTopicPrefix = "hark.retry."

// topicName is oslo's target_to_topic: "<topic>.<priority>", plus
// ".<vhost>" when the URL has a virtual host. The exchange is not part of
// it (oslo ignores it on Kafka).
func topicName(topic string, p transport.Priority, vhost string) string {
	if vhost == "" {
		return topic + "." + string(p)
	}
	return topic + "." + string(p) + "." + vhost
}

// retryTopicName is the retry topic of group for the source topic src:
// "hark.retry.<group>.<src>". It is per source topic, not per group, so
// that only the members that read src read its requeued records: members
// of one group (the non-pooled group above all) may listen to different
// topics, and a record must go back to a member that listens to its
// topic. A group name with characters Kafka does not allow in topic
// names, or a name over Kafka's 249 bytes, is replaced by a readable part
// and a hash.
func retryTopicName(group, src string) string {
	g := safeName(group)
	name := retryTopicPrefix + g + "." + src
	if len(name) <= maxTopicLength {
		return name
	}
	h := hash32(group + "\x00" + src)
	keep := maxTopicLength - len(retryTopicPrefix) - 9
	return (retryTopicPrefix + g + "." + src)[:len(retryTopicPrefix)+keep] + "-" + h
}

// checkTopic returns an error wrapping target.ErrInvalidTarget when Kafka
// would refuse name as a topic name (letters, digits, '.', '_' and '-',
// at most 249 bytes), so that the mistake is named before the broker is
// asked.
func checkTopic(name string) error {
	if len(name) > maxTopicLength {
		return fmt.Errorf("%w: Kafka topic %q is %d bytes long, at most %d are allowed", target.ErrInvalidTarget, name, len(name), maxTopicLength)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !topicRune(r) }); i >= 0 {
		return fmt.Errorf("%w: Kafka topic %q has %q at byte %d (Kafka allows ASCII letters, digits, '.', '_' and '-')", target.ErrInvalidTarget, name, name[i:i+1], i)
	}
	return nil
}

// safeName returns name when every character may appear in a topic name,
// else name with the others replaced by '_' plus a hash of name, so that
// two names differing only there stay apart.
func safeName(name string) string {
	if !strings.ContainsFunc(name, func(r rune) bool { return !topicRune(r) }) {
		return name
	}
	var b strings.Builder
	for _, r := range name {
		if topicRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String() + "-" + hash32(name)
}

func hash32(s string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}
