package nats

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
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

// shape is what one listener reads from one exchange: its topics there and
// its priorities. Listeners of a group with the same shape share one
// consumer; the consumer's filter is the shape's subjects.
type shape struct {
	exchange   string
	topics     []string             // sorted, distinct
	priorities []transport.Priority // oslo's order, distinct
}

// shapes groups cfg's targets by exchange, in the order the exchanges
// first appear.
func shapes(cfg transport.ListenConfig) []shape {
	var out []shape
	idx := map[string]int{}
	prios := canonicalPriorities(cfg.Priorities)
	for _, tg := range cfg.Targets {
		i, ok := idx[tg.Exchange]
		if !ok {
			i = len(out)
			idx[tg.Exchange] = i
			out = append(out, shape{exchange: tg.Exchange, priorities: prios})
		}
		out[i].topics = append(out[i].topics, tg.Topic)
	}
	for i := range out {
		slices.Sort(out[i].topics)
		out[i].topics = slices.Compact(out[i].topics)
	}
	return out
}

// canonicalPriorities returns ps without repeats, in oslo's order.
func canonicalPriorities(ps []transport.Priority) []transport.Priority {
	var out []transport.Priority
	for _, p := range transport.Priorities() {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}

// allPriorities reports whether the shape takes every priority, which
// lets its filter be one wildcard per topic.
func (s shape) allPriorities() bool { return len(s.priorities) == len(transport.Priorities()) }

// filters are the consumer's filter subjects: "<exchange>.<topic>.*" per
// topic when the shape takes every priority (a topic's subjects have one
// more token than its name, so the wildcard cannot reach another topic's;
// and the server checks filters for overlap pairwise, which a thousand
// topics × seven priorities makes slow), else one subject per topic and
// priority.
func (s shape) filters() []string {
	if s.allPriorities() {
		out := make([]string, len(s.topics))
		for i, t := range s.topics {
			out[i] = s.exchange + "." + t + ".*"
		}
		return out
	}
	out := make([]string, 0, len(s.topics)*len(s.priorities))
	for _, t := range s.topics {
		for _, p := range s.priorities {
			out = append(out, key{exchange: s.exchange, topic: t, priority: p}.subject())
		}
	}
	return out
}

// backlogTopic is the Backlog.Topic of the shape's consumer.
func (s shape) backlogTopic() string {
	if len(s.topics) == 1 {
		return s.topics[0]
	}
	return transport.AnyTopic
}

// groupTag is what the consumer's metadata says about its group: "" for
// the non-pooled group, "pool:<name>" for a pool.
func groupTag(pool string) string {
	if pool == "" {
		return ""
	}
	return "pool:" + pool
}

// consumerName names the durable consumer of a group on one shape:
// "all_<topic>_<hash>" for the non-pooled group and
// "pool_<pool>_<topic>_<hash>" for a pool, where topic is the shape's
// first topic (dots become '_') and the hash covers the group and every
// filter subject, so shapes that read alike still get distinct names.
// A transient pool's consumer starts with "tmp_".
func consumerName(pool string, s shape, transient bool) string {
	prefix := "all_"
	if pool != "" {
		prefix = "pool_" + pool + "_"
		if transient {
			prefix = "tmp_" + pool + "_"
		}
	}
	h := sha256.New()
	h.Write([]byte(groupTag(pool)))
	for _, f := range s.filters() {
		h.Write([]byte{0})
		h.Write([]byte(f))
	}
	hash := hex.EncodeToString(h.Sum(nil)[:4])
	readable := prefix + strings.ReplaceAll(s.topics[0], ".", "_") + "_"
	if len(readable)+len(hash) > maxName {
		readable = readable[:maxName-len(hash)-1] + "_"
	}
	return readable + hash
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

// parseSubject splits a delivery's subject into topic and priority, given
// the exchange of the stream it came from. ok is false for a subject not
// of the form "<exchange>.<topic>.<priority>".
func parseSubject(exchange, subject string) (topic string, p transport.Priority, ok bool) {
	if len(subject) <= len(exchange)+1 || subject[:len(exchange)] != exchange || subject[len(exchange)] != '.' {
		return "", "", false
	}
	rest := subject[len(exchange)+1:]
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return rest[:i], transport.Priority(rest[i+1:]), true
}

// subjectsOverlap reports whether two filter subjects (with '*' and '>'
// wildcards) can match a common subject.
func subjectsOverlap(a, b string) bool {
	at, bt := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(at) && i < len(bt); i++ {
		x, y := at[i], bt[i]
		if x == ">" || y == ">" {
			return true
		}
		if x != y && x != "*" && y != "*" {
			return false
		}
	}
	return len(at) == len(bt)
}

// filtersOverlap reports whether any subject of a can overlap any of b.
func filtersOverlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if subjectsOverlap(x, y) {
				return true
			}
		}
	}
	return false
}

// subjectCovers reports whether filter outer matches every subject that
// filter inner matches.
func subjectCovers(outer, inner string) bool {
	ot, it := strings.Split(outer, "."), strings.Split(inner, ".")
	for i, o := range ot {
		if o == ">" {
			return len(it) > i
		}
		if i >= len(it) {
			return false
		}
		switch {
		case o == it[i]:
		case o == "*" && it[i] != ">":
		default:
			return false
		}
	}
	return len(ot) == len(it)
}

// filtersCover reports whether the filters outer match every subject the
// filters inner match.
func filtersCover(outer, inner []string) bool {
	for _, in := range inner {
		covered := false
		for _, out := range outer {
			if subjectCovers(out, in) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}
