package dispatcher

// FilterSpec is a filter as written in config: each value is a regular
// expression with Python re.match semantics (anchored at the start, not the
// end). Context, Metadata and Payload are flat maps of top-level key to
// regex.
type FilterSpec struct {
	PublisherID string            `json:"publisher_id,omitempty" koanf:"publisher_id"`
	EventType   string            `json:"event_type,omitempty" koanf:"event_type"`
	Context     map[string]string `json:"context,omitempty" koanf:"context"`
	Metadata    map[string]string `json:"metadata,omitempty" koanf:"metadata"`
	Payload     map[string]string `json:"payload,omitempty" koanf:"payload"`
}

// Filter is a compiled FilterSpec (oslo's NotificationFilter).
type Filter struct{ _ int }

// NewFilter compiles spec. A pattern RE2 cannot express (lookaround,
// backreference) is an error naming the field and the pattern.
func NewFilter(spec FilterSpec) (*Filter, error) { panic("not implemented") }

// Match reports whether n passes the filter.
func (f *Filter) Match(n *Notification) bool { panic("not implemented") }
