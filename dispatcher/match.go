package dispatcher

// Match reports whether n passes the filter. n must not be nil.
//
// As in oslo, every configured check must pass:
//   - PublisherID and EventType: the pattern matches the field.
//   - Context, Metadata, Payload: for each key, the key is present and its
//     value is a string the pattern matches. A missing key, or a value that
//     is null, a number, a bool, an object or an array, does not match
//     ({"n": 1} does not match "1"). Metadata has exactly two keys,
//     "message_id" and "timestamp" (as sent).
//
// The payload's top level is scanned (not decoded) when a payload pattern
// is set. A payload that is not a JSON object (null, a string, a list, invalid
// JSON) does not match a payload pattern; oslo raises there instead, which
// requeues the notification forever.
func (f *Filter) Match(n *Notification) bool {
	var p payloadFields
	return f.match(n, &p)
}

// match is Match with the payload's top level scanned at most once per p, so
// a dispatcher scans it once per notification however many endpoints
// filter on it.
func (f *Filter) match(n *Notification, p *payloadFields) bool {
	if f == nil {
		return true
	}
	if f.publisherID != nil && !f.publisherID.MatchString(n.PublisherID) {
		return false
	}
	if f.eventType != nil && !f.eventType.MatchString(n.EventType) {
		return false
	}
	for _, kp := range f.context {
		s, ok := n.Context[kp.key].(string)
		if !ok || !kp.re.MatchString(s) {
			return false
		}
	}
	for _, kp := range f.metadata {
		var s string
		switch kp.key {
		case "message_id":
			s = n.Metadata.MessageID
		case "timestamp":
			s = n.Metadata.Timestamp
		default:
			return false
		}
		if !kp.re.MatchString(s) {
			return false
		}
	}
	if len(f.payload) == 0 {
		return true
	}
	if !p.scan(n.Payload) {
		return false
	}
	for _, kp := range f.payload {
		if !p.matchString(kp.key, kp.re) {
			return false
		}
	}
	return true
}
