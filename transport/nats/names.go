package nats

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/harkmq/hark/transport"
)

// maxName is JetStream's limit on stream and consumer names (JSMaxNameLen).
const maxName = 255

// streamPrefix starts the name of every stream the transport creates, so
// an operator can tell hark's streams from others on the same account.
const streamPrefix = "HARK_"

// key is one (exchange, topic, priority): one subject.
type key struct {
	exchange string
	topic    string
	priority transport.Priority
}

// subject is "<exchange>.<topic>.<priority>", the NATS form of oslo's
// routing key on its exchange. Topics may contain dots; exchanges and
// priorities cannot, so the subject is unambiguous.
func (k key) subject() string {
	return k.exchange + "." + k.topic + "." + string(k.priority)
}

// streamSubjects is what the stream of an exchange captures.
func streamSubjects(exchange string) []string { return []string{exchange + ".>"} }

// StreamName is the name of the JetStream stream the transport creates for
// an exchange: "HARK_<exchange>", shortened with a hash when longer than
// JetStream allows. Operators and tools use it to inspect or remove an
// exchange's stream. Exchange names are valid stream names
// (target.CheckName forbids dots, wildcards, path separators and
// whitespace).
func StreamName(exchange string) string {
	return fitName(streamPrefix+exchange, exchange)
}

// consumerName names the durable consumer of a group on one subject:
// "all_<topic>_<priority>_<hash>" for the non-pooled group and
// "pool_<pool>_<topic>_<priority>_<hash>" for a pool. The readable part
// (dots in the topic become '_') is for operators; the hash of the exact
// group, topic and priority keeps names distinct where the readable part
// is not (topic "a.b" and "a_b") and when it is shortened.
func consumerName(pool string, k key) string {
	var readable, id string
	if pool == "" {
		readable = "all_" + k.topic + "_" + string(k.priority)
		id = "all\x00" + k.topic + "\x00" + string(k.priority)
	} else {
		readable = "pool_" + pool + "_" + k.topic + "_" + string(k.priority)
		id = "pool\x00" + pool + "\x00" + k.topic + "\x00" + string(k.priority)
	}
	return fitName(strings.ReplaceAll(readable, ".", "_")+"_"+shortHash(id), "")
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// fitName shortens name to maxName bytes, replacing its tail with a hash
// of hashed when it does not fit (hashed "" means name itself).
func fitName(name, hashed string) string {
	if len(name) <= maxName {
		return name
	}
	if hashed == "" {
		hashed = name
	}
	h := shortHash(hashed)
	return name[:maxName-len(h)-1] + "_" + h
}
